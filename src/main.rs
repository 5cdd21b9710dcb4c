use clap::Parser;
use gpufleet::stdio;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Panics are reported by color-eyre; a panic is a bug, and its report says where. The
    // report goes through `stdio`, so a closed pipe ends the process quietly.
    stdio::install_hooks();
    let cli = gpufleet::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            stdio::error(format_args!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(gpufleet::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            stdio::error(&e);
            for cause in e.chain().skip(1) {
                stdio::note(format_args!("  because: {cause}"));
            }
            ExitCode::FAILURE
        }
    };
    // A task still blocked (an exec credential plugin that never answers) must not keep
    // the process alive once the command has its answer.
    runtime.shutdown_background();
    // Nor may its process: an exec plugin given up on would outlive the command.
    gpufleet::children::end_descendants();
    code
}
