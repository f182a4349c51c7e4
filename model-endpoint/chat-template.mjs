// SmolLM2's chat template (ChatML) as the local endpoint renders it, kept apart from server.mjs so the
// tests can render and tokenize prompts exactly as the server does.

/** SmolLM2's chat template (the GGUF's `tokenizer.chat_template`, Jinja) adds this system turn when
 * the conversation has none. */
export const TEMPLATE_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";
export const IM_START = "<|im_start|>", IM_END = "<|im_end|>";

/** The conversation as the template renders it: a list of parts, `{special}` for the template's own
 * markers (tokenized as special tokens) and strings for everything else (tokenized as plain text). */
export function chatParts(messages, {addGenerationPrompt = true} = {}) {
    const parts = [];
    const turn = (role, content) => parts.push({special: IM_START}, `${role}\n${content}`, {special: IM_END}, "\n");
    if (messages[0]?.role !== "system") turn("system", TEMPLATE_DEFAULT_SYSTEM);
    for (const m of messages) turn(m.role, m.content);
    if (addGenerationPrompt) parts.push({special: IM_START}, "assistant\n");
    return parts;
}

/** A rendered ChatML prompt (TGI's `inputs`): its ChatML markers are the special tokens. */
export function promptParts(inputs) {
    return inputs.split(/(<\|im_start\|>|<\|im_end\|>)/).filter((s) => s !== "")
        .map((s) => (s === IM_START || s === IM_END ? {special: s} : s));
}

/** The turns of a rendered ChatML prompt (for the deterministic mode). */
export function parseChatml(inputs) {
    return [...inputs.matchAll(/<\|im_start\|>(system|user|assistant)\n([\s\S]*?)<\|im_end\|>/g)]
        .map(([, role, content]) => ({role, content}));
}

/** Parts as a node-llama-cpp LlamaText (pass the module's `LlamaText` and `SpecialTokensText`): only
 * the `{special}` parts are tokenized with special tokens on. */
export function toLlamaText(parts, {LlamaText, SpecialTokensText}) {
    return LlamaText(parts.map((p) => (typeof p === "string" ? p : new SpecialTokensText(p.special))));
}
