//! Included by every target: the body runs on a thread with the 2 MiB stack
//! of the CLI's workers, so unbounded recursion shows as a crash here too.

/// The stack of a worker thread (Rust's default for spawned threads).
const WORKER_STACK: usize = 2 << 20;

/// Runs `body` on a fresh thread with the worker stack; its panic is the input's.
pub fn run<F: FnOnce() + Send>(body: F) {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, body)
            .expect("a fuzz worker thread");
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    });
}
