"""The help names the providers, and what each needs, as the providers declare them."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

from taskmon.cli import EXIT_OK, EXIT_USAGE, build_parser


def help_text(*command: str) -> str:
    """What `taskmon COMMAND... --help` prints, with argparse's line wrapping undone."""
    parser = build_parser()
    with pytest.raises(SystemExit) as exited, redirect_stdout(io.StringIO()) as out:
        parser.parse_args([*command, "--help"])
    assert exited.value.code == EXIT_OK
    return " ".join(out.getvalue().split())


@pytest.mark.parametrize("command", ["watch", "add"])
def test_provider_is_one_of_every_provider_by_name(command: str) -> None:
    assert "one of: apixo, bytespike, reapi, vidgo, xenodia" in help_text(command)


@pytest.mark.parametrize("command", ["watch", "add"])
def test_model_help_names_the_providers_that_need_it(command: str) -> None:
    assert "--model MODEL model the tasks were submitted with (needed for: Apixo)" in help_text(
        command
    )


@pytest.mark.parametrize("command", ["watch", "add"])
def test_out_task_id_help_names_the_providers_that_accept_it(command: str) -> None:
    assert (
        "--out-task-id the IDs are the caller's out_task_id keys (accepted by: BytesPike)"
        in help_text(command)
    )


def test_list_filters_by_any_provider() -> None:
    assert "only this provider's tasks: apixo, bytespike, reapi, vidgo, xenodia" in help_text(
        "list"
    )


@pytest.mark.parametrize("action", ["set", "delete"])
def test_keys_names_every_provider(action: str) -> None:
    assert "provider: apixo, bytespike, reapi, vidgo, xenodia" in help_text("keys", action)


@pytest.mark.parametrize("command", ["watch", "add", "list"])
def test_an_unknown_provider_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [command, "--provider", "midjourney"] + ([] if command == "list" else ["task_1"])
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(args)

    assert exited.value.code == EXIT_USAGE
    assert "invalid choice: 'midjourney'" in capsys.readouterr().err


def test_provider_names_ignore_case() -> None:
    args = build_parser().parse_args(["watch", "--provider", "ReAPI", "task_1"])

    assert args.provider == "reapi"
