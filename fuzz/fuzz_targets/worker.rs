//! Included by every target: the body runs on a thread with a 2 MiB stack, a quarter of
//! what the CLI's parsing threads get (`appfiling::batch::WORKER_STACK_SIZE`) and what the
//! library's own helper threads have, so a reader that recursed without a depth budget
//! shows as a crash here long before it could reach the CLI's limit.

/// Rust's default for spawned threads.
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
