// Ctrl-C and SIGTERM during a build: abort every sandbox through the controller, so the command
// can remove its scratch and exit 130, instead of dying with half-done work on disk.

/** Installs the handlers; returns the function that removes them. */
export function abortOnInterrupt(controller: AbortController, say: (line: string) => void): () => void {
  const stop = (): void => {
    if (controller.signal.aborted) {
      say('interrupted again: quitting now (the next run removes what is left in the scratch)');
      process.exit(130);
    }
    say('interrupted: stopping every build (no partial output is kept)');
    controller.abort();
  };
  // `on`, not `once`: execa's exit hook (signal-exit) re-raises a signal that no other listener
  // handles, which would kill r4l before it cleans up.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}
