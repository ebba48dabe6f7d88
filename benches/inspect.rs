//! In-process benchmark of `inspect` on the bundled samples (`cargo bench`).
//! scripts/bench.sh compares the binary with apksigner, keytool and aapt.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&samples)
        .expect("samples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
        .collect();
    files.sort();
    const ROUNDS: u32 = 200;
    for file in files {
        appfiling::inspect_path(&file, &appfiling::Options::default())
            .expect("samples inspect cleanly");
        let start = Instant::now();
        for _ in 0..ROUNDS {
            std::hint::black_box(
                appfiling::inspect_path(&file, &appfiling::Options::default()).ok(),
            );
        }
        let per = start.elapsed() / ROUNDS;
        println!(
            "{:<32} {:>8.1} µs/inspect",
            file.file_name().unwrap().to_string_lossy(),
            per.as_secs_f64() * 1e6
        );
    }
}
