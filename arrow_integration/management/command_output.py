"""Output helpers shared by the management commands (progress bars on the command's streams)."""


class RawStream:
    """A command output stream as a plain file for tqdm (no newline added to each write)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
