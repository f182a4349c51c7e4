// A local stand-in for a SageMaker real-time endpoint running an LLM container.
//
// Serves a real small model (SmolLM2-135M-Instruct, GGUF, via node-llama-cpp) on:
//   GET  /ping                                               container health
//   POST /invocations                                        container contract
//   POST /endpoints/{name}/invocations                       SageMaker Runtime InvokeEndpoint
//   POST /endpoints/{name}/invocations-response-stream       InvokeEndpointWithResponseStream
//                                                            (AWS event-stream frames, PayloadPart events)
// Payload formats (chosen per request by shape), as TGI answers them:
//   Messages API      {"messages", "max_tokens", "temperature"}
//                     -> {"choices":[{"index":0,"message":{"role","content"},"finish_reason":"stop"|"length"}],
//                         "usage":{"prompt_tokens","completion_tokens","total_tokens"}}
//                     stream: `data: {"choices":[{"index":0,"delta":{"content"},"finish_reason":null}]}` per piece,
//                     then `data: {"choices":[{"index":0,"delta":{},"finish_reason"}],"usage":{...}}`, then `data: [DONE]`
//   Hugging Face TGI  {"inputs", "parameters":{"max_new_tokens","temperature",...}}
//                     -> [{"generated_text","details":{"finish_reason":"eos_token"|"length","generated_tokens"}}]
//                     stream: `data:{"token":{"id","text","special"},"generated_text":null,"details":null}` per
//                     token; the last event carries "generated_text" and "details" (the end marker)
// The Messages API renders the conversation with the model's chat template (ChatML, with SmolLM2's
// default system turn when none is given); `<|im_start|>`/`<|im_end|>` are the real special tokens and
// message content is tokenized as plain text (special tokens off), so text in a message cannot open or
// close a turn. TGI takes a rendered prompt: its ChatML markers are the special tokens, everything else
// plain text. Generation stops at the end-of-turn token or at max tokens (finish_reason "length").
// A prompt over the limits answers as TGI (422 validation error) relayed by SageMaker (424 ModelError).
// Options (flags or env):
//   --port / PORT (8080), --model / MODEL_PATH, --endpoint-name / ENDPOINT_NAME (local-chat)
//   --threads / MODEL_THREADS (1)                  llama.cpp threads
//   --max-input-tokens / MAX_INPUT_TOKENS (2048)   longest prompt, as TGI's MAX_INPUT_LENGTH
//   --max-total-tokens / MAX_TOTAL_TOKENS (3072)   prompt + max new tokens, as TGI's MAX_TOTAL_TOKENS
//   --temperature / MODEL_DEFAULT_TEMPERATURE (0.3) when the request gives none
//   --repeat-penalty / MODEL_REPEAT_PENALTY (1.2)   over the last 64 generated tokens, when the request gives
//                                              none (tuned with scripts/bench model-quality)
//   --deterministic / MODEL_DETERMINISTIC=1   no model: the reply is computed from the request, for
//                                              exact assertions in tests (tokens are words)
//   --sigv4-secret / SIGV4_SECRET_ACCESS_KEY   check SigV4 signatures (service "sagemaker")
//   --delay-ms / MODEL_DELAY_MS               FAULT INJECTION: wait before answering (timeouts)
//   --garbage / MODEL_GARBAGE=1               FAULT INJECTION: answer 200 with a non-JSON body
//   --token-delay-ms / MODEL_TOKEN_DELAY_MS   deterministic mode: pause between streamed tokens
//   --max-input-tokens / MAX_INPUT_TOKENS     refuse prompts whose tokens (deterministic mode: estimated
//                                              as chars/4 + 4 per message) plus max_new_tokens exceed N,
//                                              as TGI does (422, relayed by SageMaker as 424 ModelError)
//   --stream-cut / MODEL_STREAM_CUT=1         FAULT INJECTION: streams end without their end marker
//   --stream-error / MODEL_STREAM_ERROR=1     FAULT INJECTION: an error line after the first token
// Deterministic mode also serves GET /_debug/last: the roles and contents of the last request as
// the endpoint parsed them (for the tests that show a message cannot forge a turn).
// Replies: finish_reason "length" (TGI: details.finish_reason "length") when cut at max tokens
// (deterministic mode: one token per word), with usage (TGI: details.generated_tokens).
// Errors follow SageMaker Runtime: a container failure is 424 ModelError; a bad request 400
// ValidationError; JSON bodies carry `message`.

import http from "node:http";
import crypto from "node:crypto";
import zlib from "node:zlib";
import {parseArgs} from "node:util";
import {chatParts, promptParts, parseChatml, IM_START, IM_END, TEMPLATE_DEFAULT_SYSTEM, toLlamaText} from "./chat-template.mjs";

const {values: opt} = parseArgs({
    options: {
        port: {type: "string", default: process.env.PORT ?? "8080"},
        host: {type: "string", default: "127.0.0.1"},
        model: {type: "string", default: process.env.MODEL_PATH ?? ""},
        "endpoint-name": {type: "string", default: process.env.ENDPOINT_NAME ?? "local-chat"},
        deterministic: {type: "boolean", default: process.env.MODEL_DETERMINISTIC === "1"},
        "sigv4-secret": {type: "string", default: process.env.SIGV4_SECRET_ACCESS_KEY ?? ""},
        "delay-ms": {type: "string", default: process.env.MODEL_DELAY_MS ?? "0"},
        garbage: {type: "boolean", default: process.env.MODEL_GARBAGE === "1"},
        "token-delay-ms": {type: "string", default: process.env.MODEL_TOKEN_DELAY_MS ?? "0"},
        // One thread: on a shared 2-core machine, two llama.cpp threads waiting on each other for a core
        // were ~30x slower (38 s vs 1.3 s for 20 tokens, measured under load).
        threads: {type: "string", default: process.env.MODEL_THREADS ?? "1"},
        "max-input-tokens": {type: "string", default: process.env.MAX_INPUT_TOKENS ?? "2048"},
        "max-total-tokens": {type: "string", default: process.env.MAX_TOTAL_TOKENS ?? ""},
        temperature: {type: "string", default: process.env.MODEL_DEFAULT_TEMPERATURE ?? "0.3"},
        "repeat-penalty": {type: "string", default: process.env.MODEL_REPEAT_PENALTY ?? "1.2"},
        // Fault switches for tests: a stream that ends without its end marker / carries an error line.
        "stream-cut": {type: "boolean", default: process.env.MODEL_STREAM_CUT === "1"},
        "stream-error": {type: "boolean", default: process.env.MODEL_STREAM_ERROR === "1"},
    },
});
const log = (msg) => console.error(`[model] ${msg}`);

const MAX_INPUT = Number(opt["max-input-tokens"]);
const MAX_TOTAL = opt["max-total-tokens"] ? Number(opt["max-total-tokens"]) : MAX_INPUT + 1024;
const DEFAULT_TEMPERATURE = Number(opt.temperature);
const DEFAULT_REPEAT_PENALTY = Number(opt["repeat-penalty"]);
const DEFAULT_MAX_NEW_TOKENS = 256;
for (const [name, v] of [["--max-input-tokens", MAX_INPUT], ["--max-total-tokens", MAX_TOTAL]])
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
if (MAX_TOTAL <= MAX_INPUT) throw new Error("--max-total-tokens must be larger than --max-input-tokens");

// ------------------------------------------------------------------ the model

/** Thrown for what TGI refuses with 422 `{"error": "Input validation error: ...", "error_type": "validation"}`. */
class InputValidationError extends Error {}

/** TGI's checks, in its order: prompt + max new tokens, then the prompt alone. */
function validateLengths(inputTokens, maxTokens) {
    if (inputTokens + maxTokens > MAX_TOTAL)
        throw new InputValidationError(`\`inputs\` tokens + \`max_new_tokens\` must be <= ${MAX_TOTAL}. Given: ${inputTokens} \`inputs\` tokens and ${maxTokens} \`max_new_tokens\``);
    if (inputTokens > MAX_INPUT)
        throw new InputValidationError(`\`inputs\` must have less than ${MAX_INPUT} tokens. Given: ${inputTokens}`);
}

/**
 * An engine turns a parsed payload into a generation:
 *   prepare(payload) -> {promptTokens, run(onToken, signal) -> Promise<{text, finish, completionTokens}>}
 * where finish is "stop" (end of turn) or "length" (max tokens), and onToken({id, text}) is called per
 * generated token (text may be "" while a character is split across tokens). prepare() throws
 * InputValidationError for a prompt over the limits, before anything is sent.
 */
let engine;
const EOS = {id: 2, text: IM_END}; // SmolLM2's <|im_end|>; the deterministic mode reports it too

if (opt.deterministic) {
    log("deterministic mode: no model; replies are computed from the request (tokens are words)");
    engine = deterministicEngine();
} else {
    if (!opt.model) throw new Error("--model (MODEL_PATH) is required unless --deterministic");
    engine = await modelEngine(opt.model);
}

/** Deterministic reply: names the number of user turns it saw and echoes the last one. */
function deterministicReply(messages) {
    const users = messages.filter((m) => m.role === "user");
    const system = messages.find((m) => m.role === "system");
    return `echo ${users.length} (${system ? "with system prompt" : "no system prompt"}): ${users.at(-1)?.content ?? ""}`;
}

const words = (s) => s.match(/\S+/g)?.length ?? 0;

function deterministicEngine() {
    return {
        prepare(payload) {
            const promptTokens = payload.messages.reduce((n, m) => n + words(m.content), 0);
            validateLengths(promptTokens, payload.maxTokens);
            return {
                promptTokens,
                async run(onToken) {
                    const reply = deterministicReply(payload.messages);
                    let pieces = reply.match(/\S+\s*/g) ?? [];
                    const cut = pieces.length > payload.maxTokens;
                    if (cut) pieces = pieces.slice(0, payload.maxTokens);
                    const pause = Number(opt["token-delay-ms"]);
                    for (const [i, text] of pieces.entries()) {
                        onToken?.({id: 1000 + i, text});
                        if (pause > 0) await sleep(pause);
                    }
                    return {text: cut ? pieces.join("") : reply, finish: cut ? "length" : "stop",
                        completionTokens: pieces.length};
                },
            };
        },
    };
}

async function modelEngine(modelPath) {
    const llamaCpp = await import("node-llama-cpp");
    const {getLlama, LlamaCompletion} = llamaCpp;
    const started = Date.now();
    const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
    let last = -1;
    const model = await llama.loadModel({
        modelPath,
        onLoadProgress(p) {
            const pct = Math.floor(p * 10) * 10;
            if (pct !== last) { last = pct; log(`loading model ${pct}%`); }
        },
    });
    const context = await model.createContext({contextSize: MAX_TOTAL, threads: Number(opt.threads)});
    const completion = new LlamaCompletion({contextSequence: context.getSequence()});
    const tokenize = (parts) => toLlamaText(parts, llamaCpp).tokenize(model.tokenizer);
    const [imStart] = model.tokenize(IM_START, true);
    const eos = model.tokens.eos;
    log(`model loaded in ${Date.now() - started} ms (${modelPath}); context ${context.contextSize} tokens, ` +
        `max input ${MAX_INPUT}, max total ${MAX_TOTAL}`);
    if (model.fileInfo.metadata?.tokenizer?.chat_template && !model.fileInfo.metadata.tokenizer.chat_template.includes(TEMPLATE_DEFAULT_SYSTEM))
        log("warning: this model's chat template is not SmolLM2's; prompts are rendered as SmolLM2's ChatML");

    let queue = Promise.resolve(); // one context sequence: one generation at a time, in order
    return {
        prepare(payload) {
            const tokens = tokenize(payload.format === "tgi" ? promptParts(payload.prompt) : chatParts(payload.messages));
            validateLengths(tokens.length, payload.maxTokens);
            return {
                promptTokens: tokens.length,
                run(onToken, signal) {
                    const generated = [];
                    let shown = "";
                    const go = () => completion.generateCompletionWithMeta(tokens, {
                        maxTokens: payload.maxTokens,
                        temperature: payload.temperature,
                        topK: payload.topK, topP: payload.topP, seed: payload.seed,
                        repeatPenalty: {penalty: payload.repeatPenalty, lastTokens: 64, penalizeNewLine: false,
                            frequencyPenalty: payload.frequencyPenalty, presencePenalty: payload.presencePenalty},
                        customStopTriggers: [[imStart]], // a new turn ends this one too
                        disableContextShift: true, // the limits above keep it in the context; never drop the prompt
                        signal, stopOnAbortSignal: true,
                        onToken(ts) {
                            for (const id of ts) {
                                generated.push(id);
                                // Text shown so far, without a character still split across tokens.
                                const full = model.detokenize(generated).replace(/\uFFFD+$/, "");
                                const text = full.startsWith(shown) ? full.slice(shown.length) : "";
                                if (full.startsWith(shown)) shown = full;
                                onToken?.({id, text});
                            }
                        },
                    });
                    const run = queue.then(go);
                    queue = run.catch(() => {});
                    return run.then(({metadata}) => ({
                        text: model.detokenize(generated),
                        finish: metadata.stopReason === "maxTokens" ? "length" : "stop",
                        completionTokens: generated.length,
                    }));
                },
            };
        },
        eos: {id: eos, text: model.detokenize([eos], true)},
    };
}

// ------------------------------------------------------------------ payload formats

class ClientError extends Error {}

const numberOr = (v, fallback) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/** Parses either payload format into {format, messages, maxTokens, temperature, ...sampling}. */
function parsePayload(body) {
    let p;
    try { p = JSON.parse(body.toString("utf8")); } catch { throw new ClientError("body is not JSON"); }
    let out;
    if (Array.isArray(p?.messages)) {
        for (const m of p.messages) {
            if (!["system", "user", "assistant"].includes(m?.role) || typeof m?.content !== "string")
                throw new ClientError("each message needs a role (system, user, assistant) and string content");
        }
        out = {format: "messages", messages: p.messages, maxTokens: p.max_tokens ?? DEFAULT_MAX_NEW_TOKENS,
            temperature: p.temperature, topP: p.top_p, seed: p.seed,
            frequencyPenalty: p.frequency_penalty, presencePenalty: p.presence_penalty};
    } else if (typeof p?.inputs === "string") {
        // TGI takes a rendered prompt; the deterministic mode reads the turns back from ChatML.
        const messages = parseChatml(p.inputs);
        if (messages.length === 0) messages.push({role: "user", content: p.inputs});
        const params = p.parameters ?? {};
        out = {format: "tgi", messages, prompt: p.inputs, maxTokens: params.max_new_tokens ?? DEFAULT_MAX_NEW_TOKENS,
            temperature: params.do_sample === false ? 0 : params.temperature, topP: params.top_p,
            topK: params.top_k, seed: params.seed, repeatPenalty: params.repetition_penalty,
            frequencyPenalty: params.frequency_penalty};
    } else {
        throw new ClientError('expected {"messages": [...]} or {"inputs": "...", "parameters": {...}}');
    }
    if (!Number.isInteger(out.maxTokens) || out.maxTokens < 1)
        throw new InputValidationError("`max_new_tokens` must be strictly positive");
    out.temperature = numberOr(out.temperature, DEFAULT_TEMPERATURE);
    out.repeatPenalty = numberOr(out.repeatPenalty, DEFAULT_REPEAT_PENALTY);
    for (const k of ["topP", "topK", "seed", "frequencyPenalty", "presencePenalty"]) out[k] = numberOr(out[k], undefined);
    return out;
}

const usage = (promptTokens, completionTokens) =>
    ({prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens});
const tgiFinish = (finish) => (finish === "length" ? "length" : "eos_token");

function completionBody(format, result, promptTokens) {
    if (format === "tgi")
        return [{generated_text: result.text,
            details: {finish_reason: tgiFinish(result.finish), generated_tokens: result.completionTokens}}];
    return {
        id: `chatcmpl-${crypto.randomUUID()}`, object: "chat.completion", model: "SmolLM2-135M-Instruct",
        created: Math.floor(Date.now() / 1000),
        choices: [{index: 0, message: {role: "assistant", content: result.text}, finish_reason: result.finish}],
        usage: usage(promptTokens, result.completionTokens),
    };
}

/** The server-sent-event lines of a streamed answer, in either format. */
function streamWriter(format, emit, promptTokens) {
    if (format === "messages") {
        const chunk = (delta, finish, extra = {}) =>
            emit(`data: ${JSON.stringify({choices: [{index: 0, delta, finish_reason: finish}], ...extra})}\n\n`);
        return {
            token({text}) { if (text) chunk({content: text}, null); },
            end(result) {
                chunk({}, result.finish, {usage: usage(promptTokens, result.completionTokens)});
                emit("data: [DONE]\n\n");
            },
        };
    }
    // TGI: one event per token; the last one carries the whole text and the details. When the model
    // stopped at max tokens that is its last token (held back until the end), else the end-of-turn token.
    const event = (token, end) => emit(`data:${JSON.stringify({token: {id: token.id, text: token.text, special: !!token.special},
        generated_text: end ? end.text : null,
        details: end ? {finish_reason: tgiFinish(end.finish), generated_tokens: end.completionTokens} : null})}\n\n`);
    let held = null;
    return {
        token(t) { if (held) event(held); held = t; },
        end(result) {
            if (result.finish === "length" && held) return event(held, result);
            if (held) event(held);
            event({...(engine.eos ?? EOS), special: true}, result);
        },
    };
}

// ------------------------------------------------------------------ AWS event-stream framing

function header(name, value) {
    const n = Buffer.from(name), v = Buffer.from(value);
    const b = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    b.writeUInt8(n.length, 0); n.copy(b, 1);
    b.writeUInt8(7, 1 + n.length); // string
    b.writeUInt16BE(v.length, 2 + n.length); v.copy(b, 4 + n.length);
    return b;
}

/** One event-stream message: prelude (lengths + CRC), headers, payload, message CRC. */
export function eventMessage(headers, payload) {
    const hs = Buffer.concat(Object.entries(headers).map(([k, v]) => header(k, v)));
    const total = 12 + hs.length + payload.length + 4;
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(total, 0);
    prelude.writeUInt32BE(hs.length, 4);
    prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
    const body = Buffer.concat([prelude, hs, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body), 0);
    return Buffer.concat([body, crc]);
}

const payloadPart = (bytes) => eventMessage(
    {":event-type": "PayloadPart", ":content-type": "application/octet-stream", ":message-type": "event"}, bytes);
const modelStreamError = (message) => eventMessage(
    {":exception-type": "ModelStreamError", ":content-type": "application/json", ":message-type": "exception"},
    Buffer.from(JSON.stringify({message, ErrorCode: "ModelStreamError"})));

// ------------------------------------------------------------------ SigV4 (optional)

const sha256 = (d) => crypto.createHash("sha256").update(d).digest("hex");
const hmac = (k, d) => crypto.createHmac("sha256", k).update(d).digest();

/** Checks the Authorization header as AWS would (service "sagemaker"); returns an error or null. */
function checkSigV4(req, body) {
    const auth = req.headers.authorization ?? "";
    const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/);
    if (!m) return "missing or malformed Authorization header";
    const [, , date, region, service, signedHeaders, signature] = m;
    if (service !== "sagemaker") return `signed for service ${service}, not sagemaker`;
    const amzDate = req.headers["x-amz-date"] ?? "";
    const names = signedHeaders.split(";");
    if (!names.includes("host")) return "host is not signed";
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const [path, query = ""] = req.url.split("?");
    // Every service but S3 signs the path URI-encoded twice.
    const canonicalPath = path.split("/").map((s) => encodeURIComponent(encodeURIComponent(decodeURIComponent(s)))).join("/");
    const canonicalQuery = query.split("&").filter(Boolean).sort().join("&");
    const canonical = [req.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join("\n");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    let key = hmac(`AWS4${opt["sigv4-secret"]}`, date);
    for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
    const expected = hmac(key, toSign).toString("hex");
    return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) ? null : "signature does not match";
}

// ------------------------------------------------------------------ HTTP

function send(res, status, body, headers = {}) {
    const data = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    res.writeHead(status, {"content-type": "application/json", "content-length": data.length, ...headers});
    res.end(data);
}

const awsError = (res, status, type, message, extra = {}) =>
    send(res, status, {message, ...extra}, {"x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/`});

/** What SageMaker Runtime answers when the container answers 4xx: 424 ModelError, quoting it. */
const relayedClientError = (res, status, containerBody) =>
    awsError(res, 424, "ModelError", `Received client error (${status}) from primary with message "${containerBody}".`,
        {OriginalStatusCode: status, OriginalMessage: containerBody, ErrorCode: "CLIENT_ERROR_FROM_MODEL"});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let lastRequest = null; // deterministic mode: what the last invocation parsed to (GET /_debug/last)

async function handle(req, res, body) {
    const url = req.url.split("?")[0];
    if (req.method === "GET" && url === "/ping") return send(res, 200, {status: "Healthy"});
    if (req.method === "GET" && url === "/_debug/last" && opt.deterministic) return send(res, 200, lastRequest ?? {});

    const m = url.match(/^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/);
    const container = url === "/invocations";
    if (!m && !container) return awsError(res, 404, "UnknownOperationException", `no operation at ${url}`);
    if (req.method !== "POST") return awsError(res, 405, "UnknownOperationException", "use POST");
    if (m && opt["sigv4-secret"]) {
        const problem = checkSigV4(req, body);
        if (problem) return awsError(res, 403, "InvalidSignatureException", problem);
    }
    if (m && m[1] !== opt["endpoint-name"])
        return awsError(res, 400, "ValidationError", `Endpoint ${m[1]} of account 000000000000 not found.`);

    const delay = Number(opt["delay-ms"]);
    if (delay > 0) await sleep(delay);
    if (opt.garbage) return send(res, 200, "<html>this is not a model response</html>", {"content-type": "text/html"});

    let payload, generation;
    try {
        payload = parsePayload(body);
        generation = engine.prepare(payload);
    } catch (e) {
        if (e instanceof InputValidationError) {
            // TGI's answer to a prompt over its limits; through SageMaker, a 424 that quotes it.
            const tgi = JSON.stringify({error: `Input validation error: ${e.message}`, error_type: "validation"});
            if (container) return send(res, 422, tgi);
            return relayedClientError(res, 422, tgi);
        }
        if (!(e instanceof ClientError)) throw e;
        if (container) return send(res, 400, {error: e.message});
        // What SageMaker Runtime does when the container answers 4xx.
        return awsError(res, 424, "ModelError", `Received client error (400) from primary with message "${e.message}".`,
            {OriginalStatusCode: 400, OriginalMessage: e.message, ErrorCode: "CLIENT_ERROR_FROM_MODEL"});
    }

    // A client that leaves stops the generation (the model is shared, one request at a time).
    const abort = new AbortController();
    res.on("close", () => { if (!res.writableFinished) abort.abort(); });
    const started = Date.now();
    const done = (result) => log(`${payload.format}${m?.[2] === "invocations-response-stream" ? " stream" : ""}: ` +
        `${generation.promptTokens} prompt + ${result.completionTokens} completion tokens, ${result.finish}, ${Date.now() - started} ms`);
    if (opt.deterministic) {
        lastRequest = {format: payload.format, roles: payload.messages.map((m) => m.role),
            contents: payload.messages.map((m) => m.content), prompt: payload.prompt ?? null,
            input_tokens: generation.promptTokens, max_new_tokens: payload.maxTokens};
    }

    const streaming = m?.[2] === "invocations-response-stream";
    if (!streaming) {
        const result = await generation.run(null, abort.signal);
        done(result);
        return send(res, 200, completionBody(payload.format, result, generation.promptTokens),
            {"x-amzn-invoked-production-variant": "AllTraffic"});
    }

    res.writeHead(200, {"content-type": "application/vnd.amazon.eventstream",
        "x-amzn-sagemaker-content-type": "text/event-stream", "x-amzn-invoked-production-variant": "AllTraffic"});
    // Each line goes out in two PayloadParts split mid-JSON, as real endpoints may do.
    const emit = (line) => {
        const bytes = Buffer.from(line);
        const cut = Math.max(1, Math.floor(bytes.length / 2));
        res.write(payloadPart(bytes.subarray(0, cut)));
        res.write(payloadPart(bytes.subarray(cut)));
    };
    const writer = streamWriter(payload.format, emit, generation.promptTokens);
    try {
        let sent = 0;
        const result = await generation.run((t) => {
            writer.token(t);
            if (++sent === 2 && opt["stream-error"]) {
                emit(payload.format === "tgi" ? `data:${JSON.stringify({error: "CUDA out of memory", error_type: "generation"})}\n\n`
                    : `data: ${JSON.stringify({error: {message: "CUDA out of memory", type: "generation"}})}\n\n`);
            }
        }, abort.signal);
        done(result);
        if (!opt["stream-cut"]) writer.end(result);
    } catch (e) {
        res.write(modelStreamError(String(e?.message ?? e)));
    }
    res.end();
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        handle(req, res, Buffer.concat(chunks)).catch((e) => {
            log(`error: ${e?.stack ?? e}`);
            if (!res.headersSent) awsError(res, 424, "ModelError", "the model failed", {OriginalStatusCode: 500});
            else res.end();
        });
    });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(opt.port), opt.host, () => {
    const {port} = server.address();
    log(`SageMaker-compatible endpoint '${opt["endpoint-name"]}' ready on http://${opt.host}:${port}`);
    console.log(`model: http://${opt.host}:${port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
