//! `kubectl get baremetalhosts -o json` as a large fleet gives it: one `List` of generated
//! hosts, each with what a real API server and baremetal-operator add and gpufleet never
//! reads: full inspected hardware (every CPU flag, NICs, disks, firmware, in the shape of
//! Metal3's `status.hardware`), `metadata.managedFields`, a finalizer, the operation
//! history. For the tests and figures of memory per MB of dump.
#![allow(dead_code)]

use gpufleet::generate::{GenerateConfig, generate};
use serde_json::{Value, json};
use std::path::Path;

/// The CPU flags one inspected x86 host reports (`status.hardware.cpu.flags`).
const CPU_FLAGS: &str = "3dnowprefetch abm acpi adx aes aperfmperf apic arat arch_capabilities \
    arch_perfmon avx avx2 avx512_bf16 avx512_bitalg avx512_vbmi2 avx512_vnni avx512_vpopcntdq \
    avx512bw avx512cd avx512dq avx512f avx512ifma avx512vbmi avx512vl bmi1 bmi2 bts cat_l2 \
    cat_l3 cdp_l2 cdp_l3 clflush clflushopt clwb cmov constant_tsc cpuid cpuid_fault cqm \
    cqm_llc cqm_mbm_local cqm_mbm_total cqm_occup_llc cx16 cx8 dca de ds_cpl dtes64 dtherm \
    dts epb ept ept_ad erms est f16c flexpriority flush_l1d fma fpu fsgsbase fsrm fxsr gfni \
    hle ht hwp hwp_act_window hwp_epp hwp_pkg_req ibpb ibrs ibrs_enhanced ida intel_pt \
    invpcid lahf_lm lm mba mca mce md_clear mmx monitor movbe movdir64b movdiri msr mtrr \
    nonstop_tsc nopl nx ospke pae pat pbe pcid pclmulqdq pconfig pdcm pdpe1gb pebs pge pku \
    pln pni popcnt pse pse36 pts rdpid rdrand rdseed rdt_a rdtscp rep_good rtm sdbg sep \
    sha_ni smap smep smx split_lock_detect ss ssbd sse sse2 sse4_1 sse4_2 ssse3 stibp \
    syscall tm tm2 tpr_shadow tsc tsc_adjust tsc_deadline_timer tsc_known_freq tsx_ctrl \
    umip vaes vme vmx vnmi vpclmulqdq vpid waitpkg wbnoinvd x2apic xgetbv1 xsave xsavec \
    xsaveopt xsaves xtopology xtpr";

/// Full inspected hardware for host number `n`, as baremetal-operator writes it.
fn hardware(n: usize, cpus: Value, ram: Value) -> Value {
    let flags: Vec<&str> = CPU_FLAGS.split_whitespace().collect();
    let nics: Vec<Value> = (0..8)
        .map(|i| {
            json!({"name": format!("ens{}f{}", 1 + i / 2, i % 2), "model": "0x15b3 0x101d",
                "mac": format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff, i),
                "ip": format!("10.{}.{}.{}", i, n / 250 % 250, n % 250), "speedGbps": 200,
                "vlanId": 0, "vlans": [], "pxe": i == 0})
        })
        .collect();
    let storage: Vec<Value> = (0..6)
        .map(|i| {
            json!({"name": format!("/dev/nvme{i}n1"), "alternateNames": [format!("/dev/disk/by-id/nvme-SAMSUNG_MZQL27T6HBLA-{n:08}{i}")],
                "rotational": false, "sizeBytes": 7_681_501_126_656u64, "type": "NVME",
                "vendor": "Samsung", "model": "SAMSUNG MZQL27T6HBLA-00A07",
                "serialNumber": format!("S6CKNA0W{n:06}{i}"), "wwn": format!("eui.36344730{n:08}{i}"),
                "hctl": format!("{i}:0:0:0")})
        })
        .collect();
    json!({
        "cpu": {"arch": "x86_64", "model": "Intel(R) Xeon(R) Platinum 8480+", "clockMegahertz": 3800,
            "count": cpus, "flags": flags},
        "firmware": {"bios": {"date": "09/12/2024", "vendor": "American Megatrends International, LLC.",
            "version": "2.1.V1"}},
        "hostname": format!("gpu-host-{n}"),
        "nics": nics,
        "ramMebibytes": ram,
        "storage": storage,
        "systemVendor": {"manufacturer": "Supermicro", "productName": "SYS-821GE-TNHR",
            "serialNumber": format!("S{n:09}")},
    })
}

/// What every write by a controller leaves in `metadata.managedFields`.
fn managed_fields() -> Value {
    let entry = |manager: &str, operation: &str, fields: Value| {
        json!({"apiVersion": "metal3.io/v1alpha1", "fieldsType": "FieldsV1", "fieldsV1": fields,
            "manager": manager, "operation": operation, "time": "2026-11-30T09:12:44Z"})
    };
    let status_fields = json!({"f:status": {".": {}, "f:errorCount": {}, "f:errorMessage": {},
        "f:goodCredentials": {".": {}, "f:credentials": {".": {}, "f:name": {}, "f:namespace": {}},
        "f:credentialsVersion": {}}, "f:hardware": {".": {}, "f:cpu": {".": {}, "f:arch": {},
        "f:clockMegahertz": {}, "f:count": {}, "f:flags": {}, "f:model": {}}, "f:firmware": {},
        "f:hostname": {}, "f:nics": {}, "f:ramMebibytes": {}, "f:storage": {}, "f:systemVendor": {}},
        "f:hardwareProfile": {}, "f:lastUpdated": {}, "f:operationHistory": {".": {},
        "f:deprovision": {}, "f:inspect": {}, "f:provision": {}, "f:register": {}},
        "f:operationalStatus": {}, "f:poweredOn": {}, "f:provisioning": {".": {}, "f:ID": {},
        "f:bootMode": {}, "f:image": {}, "f:rootDeviceHints": {}, "f:state": {}},
        "f:triedCredentials": {}}});
    let spec_fields = json!({"f:metadata": {"f:labels": {".": {}}}, "f:spec": {".": {},
        "f:automatedCleaningMode": {}, "f:bmc": {".": {}, "f:address": {}, "f:credentialsName": {}},
        "f:bootMACAddress": {}, "f:online": {}}});
    json!([
        entry("kubectl-client-side-apply", "Update", spec_fields),
        entry("baremetal-operator", "Update", status_fields),
    ])
}

/// `kubectl get baremetalhosts -A -o json` of `hosts` generated hosts (seed 1), each with
/// full hardware details: about 8 KB a host.
pub fn host_list_json(hosts: usize) -> String {
    let generated = generate(&GenerateConfig::new(hosts, 1));
    let items: Vec<Value> = generated
        .objects
        .hosts
        .values()
        .enumerate()
        .map(|(n, host)| {
            let mut item = serde_json::to_value(&**host).expect("a host serializes");
            let cpus = item["status"]["hardware"]["cpu"]["count"].take();
            let ram = item["status"]["hardware"]["ramMebibytes"].take();
            let meta = &mut item["metadata"];
            meta["uid"] = json!(format!("1513ae9b-e092-409d-be1b-{n:012}"));
            meta["resourceVersion"] = json!((30_000 + n).to_string());
            meta["generation"] = json!(2);
            meta["creationTimestamp"] = json!("2026-06-16T10:48:33Z");
            meta["finalizers"] = json!(["baremetalhost.metal3.io"]);
            meta["managedFields"] = managed_fields();
            let status = &mut item["status"];
            if !cpus.is_null() {
                status["hardware"] = hardware(n, cpus, ram);
            }
            status["hardwareProfile"] = json!("unknown");
            status["lastUpdated"] = json!("2026-11-30T09:12:44Z");
            status["operationHistory"] = json!({
                "deprovision": {"end": null, "start": null},
                "inspect": {"end": "2026-06-16T11:02:10Z", "start": "2026-06-16T10:51:02Z"},
                "provision": {"end": "2026-06-16T11:20:41Z", "start": "2026-06-16T11:08:19Z"},
                "register": {"end": "2026-06-16T10:51:02Z", "start": "2026-06-16T10:48:34Z"}});
            item
        })
        .collect();
    let list = json!({"apiVersion": "v1", "items": items, "kind": "List",
        "metadata": {"resourceVersion": ""}});
    serde_json::to_string_pretty(&list).expect("a list serializes")
}

/// Writes [`host_list_json`] of `hosts` hosts to `path`; returns its size in bytes.
pub fn write_host_list(path: &Path, hosts: usize) -> u64 {
    let text = host_list_json(hosts);
    std::fs::write(path, &text).expect("the dump is written");
    text.len() as u64
}
