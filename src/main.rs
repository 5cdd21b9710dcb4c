use clap::Parser;
use gpufleet::stdio;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Panics are reported by color-eyre; a panic is a bug, and its report says where. The
    // report goes through `stdio`, so a closed pipe ends the process quietly.
    stdio::install_hooks();
    let cli = gpufleet::cli::Cli::parse();
    let one_shot = cli.is_one_shot();
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
    // A one-shot command ended by a signal ends its exec plugins too (below), as on any
    // other way out; the dashboard restores the terminal on SIGTERM and SIGHUP itself.
    let ran = runtime.block_on(async {
        if one_shot {
            gpufleet::children::unless_signalled(gpufleet::cli::run(cli)).await
        } else {
            Ok(gpufleet::cli::run(cli).await)
        }
    });
    let code = match ran {
        Err(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX)),
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
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
