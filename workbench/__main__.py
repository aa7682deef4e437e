"""Entry point placeholder until the workbench issue: runs the headless demo."""

from __future__ import annotations

import asyncio


def main() -> None:
    from core.__main__ import main as demo

    asyncio.run(demo())


if __name__ == "__main__":
    main()
