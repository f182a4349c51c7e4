"""`scripts/bench model-quality`: how well the local model (SmolLM2-135M-Instruct) answers.

A benchmark, not a timed test. Starts the local SageMaker-compatible endpoint
(model-endpoint/server.mjs) with the real model on a free port, sends each prompt of
bench/model-quality-prompts.json once (Messages format, the chat component's default system prompt,
temperature 0; no system message, so the template's own) and checks every reply for:

- accuracy: one of the prompt's expected words is in the reply (case-insensitive, whole word);
- looping: a line or a sentence (8+ characters) occurs twice;
- role-play leakage: a line starting with a role label ("User:", "A:", "Q:", "Assistant:",
  "Human:", "System:") or the text "<|im" anywhere;
- empty replies, and cut-off ones (finish_reason "length", when the endpoint reports it);
- latency (the endpoint's own, over loopback).

Prints a table per prompt and the totals; bench.py appends them, dated, with the command.
"""

import json
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bench import ROOT

PROMPTS = ROOT / "bench" / "model-quality-prompts.json"
MODEL = ROOT / ".tools" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
# No system message: the model's own template then adds SmolLM2's ("You are a helpful AI assistant named
# SmolLM, trained by Hugging Face"), which scored best (27/36, no leakage) against the chat component's
# default "You are a helpful assistant." (26/36, one "A:" reply) and "... Answer briefly and directly."
# (24/36); see bench/results/model-quality.md. --system "TEXT" measures another.
SYSTEM_PROMPT = "none"
MAX_TOKENS = 200
ROLE_LABEL = re.compile(r"^\s*(User|A|Q|Assistant|Human|System)\s*:", re.IGNORECASE | re.MULTILINE)


def start_endpoint(server: str, extra: list[str]) -> tuple[subprocess.Popen, str]:
    if not MODEL.exists():
        raise SystemExit("the local model is not installed: run scripts/setup")
    proc = subprocess.Popen(["node", str(ROOT / server), "--port", "0", "--model", str(MODEL),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("model: "):
            return proc, line.split(": ", 1)[1].strip()
    raise SystemExit("the model endpoint did not start (run node model-endpoint/server.mjs --model ... to see why)")


def invoke(base: str, messages: list[dict]) -> tuple[dict, float]:
    body = {"messages": messages, "max_tokens": MAX_TOKENS, "temperature": 0, "stream": False}
    req = urllib.request.Request(base + "/endpoints/local-chat/invocations", data=json.dumps(body).encode(),
                                 method="POST", headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        data = json.loads(r.read())
    return data, (time.perf_counter() - started) * 1000


def normalise(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def looping(reply: str) -> bool:
    """A line or a sentence of 8+ characters said twice."""
    for units in (reply.splitlines(), re.split(r"(?<=[.!?])\s+|\n", reply)):
        seen = set()
        for u in map(normalise, units):
            if len(u) < 8:
                continue
            if u in seen:
                return True
            seen.add(u)
    return False


def leaks(reply: str) -> bool:
    return bool(ROLE_LABEL.search(reply)) or "<|im" in reply


def accurate(reply: str, expect: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", reply, re.IGNORECASE) for w in expect)


def cell(s: str, limit: int = 90) -> str:
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "⏎")
    return s if len(s) <= limit else s[:limit - 1] + "…"


def model_quality(server: str, extra: list[str], system: str) -> list[str]:
    prompts = json.loads(PROMPTS.read_text())["prompts"]
    proc, base = start_endpoint(server, extra)
    rows, results = [], []
    try:
        invoke(base, [{"role": "user", "content": "warm up"}])
        for i, p in enumerate(prompts, 1):
            messages = ([{"role": "system", "content": system}] if system != "none" else []) + \
                       [{"role": "user", "content": p["prompt"]}]
            data, ms = invoke(base, messages)
            choice = data["choices"][0]
            reply = choice["message"]["content"]
            finish = choice.get("finish_reason")
            usage = data.get("usage")
            r = {"ok": accurate(reply, p["expect"]), "loop": looping(reply), "leak": leaks(reply),
                 "empty": not reply.strip(), "cut": finish == "length", "ms": ms,
                 "tokens": usage["completion_tokens"] if usage else None}
            results.append(r)
            print(f"[model-quality] {i}/{len(prompts)} {ms:.0f} ms {finish}: {reply[:60]!r}", file=sys.stderr)
            mark = lambda b: "✗" if b else ""
            rows.append(f"| {i} | {cell(p['prompt'], 50)} | {cell('/'.join(p['expect']), 24)} | {'✓' if r['ok'] else '✗'} "
                        f"| {mark(r['loop'])} | {mark(r['leak'])} | {mark(r['empty'])} | {finish} "
                        f"| {r['tokens'] if r['tokens'] is not None else '—'} | {ms:.0f} | {cell(reply)} |")
    finally:
        proc.terminate()
        proc.wait()
    n = len(results)
    count = lambda k: sum(1 for r in results if r[k])
    reported = any(r["tokens"] is not None for r in results)
    cut = f"{count('cut')}/{n}" if reported else "not reported (the endpoint gives no finish_reason length/usage)"
    return [
        f"Endpoint: {server} with SmolLM2-135M-Instruct (Q4_1 GGUF), extra server arguments: "
        f"{' '.join(extra) or 'none'}; Messages format, "
        f"{'no system message (the template adds SmolLM2s own)' if system == 'none' else 'system prompt ' + json.dumps(system)}, temperature 0, "
        f"max_tokens {MAX_TOKENS}; {n} prompts from bench/model-quality-prompts.json.",
        "",
        "| # | prompt | expected | accurate | looping | leakage | empty | finish | tokens | ms | reply |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "| total | accurate | looping | role-play leakage | empty | cut off (length) | mean latency ms |",
        "|---|---|---|---|---|---|---|",
        f"| {n} | **{count('ok')}/{n}** ({100 * count('ok') / n:.0f}%) | **{count('loop')}** | **{count('leak')}** "
        f"| **{count('empty')}** | {cut} | {statistics.mean(r['ms'] for r in results):.0f} |",
    ]
