//! Ctrl-C and SIGTERM, caught from before a pod exists until it is cleaned up, so a signal that
//! arrives while a request is in flight is not lost.

/// Interrupt signals, listened for from the moment this is made.
pub struct Interrupts {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupts {
    /// Starts listening now.
    pub fn arm() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Interrupts { streams }
        }
        #[cfg(not(unix))]
        {
            Interrupts {}
        }
    }

    /// Resolves with the exit code for the next interrupt: 130 for Ctrl-C, 143 for SIGTERM.
    pub async fn next(&mut self) -> i32 {
        #[cfg(unix)]
        if let Some((int, term)) = self.streams.as_mut() {
            return tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}
