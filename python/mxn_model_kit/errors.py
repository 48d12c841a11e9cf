"""The one error the kit raises."""
from __future__ import annotations

import re


class TaskError(Exception):
    """A problem with a task's inputs or outputs. Its message is one line that names the problem and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(re.sub(r"\s*\n\s*", " ", message.strip()))
