"""Every command that takes a settings file takes it as ``-c`` too, the same way everywhere."""

from __future__ import annotations

import typer

from parallelner.cli import app


def _commands(cmd, path: str = "parallelner"):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def test_every_config_option_has_the_short_form():
    with_config, missing = [], []
    for path, cmd in _commands(typer.main.get_command(app)):
        for param in cmd.params:
            if "--config" in getattr(param, "opts", []):
                with_config.append(path)
                if "-c" not in param.opts:
                    missing.append(path)
    assert {"parallelner run", "parallelner align", "parallelner translate",
            "parallelner refine", "parallelner project"} <= set(with_config)
    assert any(p.startswith("parallelner review ") for p in with_config)
    assert not missing, f"--config without -c: {missing}"
