#!/bin/sh
# The function's entrypoint: serves its Spin app on 127.0.0.1:$AWS_LWA_PORT for the AWS Lambda Web
# Adapter (a Lambda extension in /opt/extensions) to forward invocations to.
#
# Lambda's filesystem is read-only except /tmp, and Spin gives a component only what its manifest
# (or `spin up --env`) says. So the manifest Spin runs is written here, at start, under /tmp and
# readable by this user only: /app/spin.toml (one component, no environment) plus the function's
# settings as the component's environment and the AWS endpoints it may reach. Values never pass
# through a command line or word splitting; Spin's state and logs go to /tmp.
#
#   entrypoint.sh               serve (what Lambda runs)
#   entrypoint.sh --precompile  fill /app/.wasmtime-cache with the compiled component and exit
#                               (at image build time, so a cold start runs no compiler)
set -eu

# Every setting the component reads: app_core::settings::SETTINGS (a test checks they agree).
SETTINGS="
AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME
AWS_ENDPOINT_URL_SECRETS_MANAGER
USERS_TABLE SESSIONS_TABLE THROTTLE_TABLE CONVERSATIONS_TABLE DYNAMODB_TIMEOUT_MS
TOKEN_SIGNING_KEY TOKEN_SIGNING_KEY_SECRET TOKEN_PUBLIC_KEYS TOKEN_ISSUER TOKEN_AUDIENCE ACCESS_TOKEN_TTL_SECONDS REFRESH_TOKEN_TTL_SECONDS
THROTTLE_WINDOW_SECONDS LOGIN_SLOWDOWN_AFTER LOGIN_BLOCK_AFTER ADDRESS_BLOCK_AFTER
REGISTRATIONS_PER_ADDRESS CLIENT_IP_SOURCE CLIENT_IP_HEADER CLIENT_IP_HOPS CORS_ALLOWED_ORIGINS
SAGEMAKER_ENDPOINT_NAME MODEL_PAYLOAD_FORMAT MODEL_MAX_NEW_TOKENS MODEL_TEMPERATURE
MODEL_SYSTEM_PROMPT MODEL_TIMEOUT_MS CHAT_HISTORY_TURNS CHAT_HISTORY_CHARS CHAT_MAX_MESSAGE_CHARS
AWS_ENDPOINT_URL_SES TOKENS_TABLE MAIL_FROM APP_BASE_URL MAIL_TIMEOUT_MS REQUIRE_VERIFIED_EMAIL
VERIFY_TOKEN_TTL_SECONDS RESET_TOKEN_TTL_SECONDS FORGOT_MIN_MS FORGOT_PER_ADDRESS FORGOT_PER_EMAIL
RESEND_PER_ACCOUNT
MODEL_MAX_INPUT_TOKENS MODEL_MAX_TOTAL_TOKENS CHAT_DAILY_MESSAGES CHAT_DAILY_TOKENS
"

app=/app
run=/tmp/spin
cache_image=$app/.wasmtime-cache
umask 077
rm -rf "$run"
mkdir -p "$run/state"

# The compiled component: built into the image, copied to /tmp (the cache wants to write).
if [ "${1:-}" = --precompile ]; then
  cache=$cache_image
  rm -rf "$cache"
else
  cache=$run/wasmtime-cache
  [ -d "$cache_image" ] && cp -R "$cache_image" "$cache"
fi
mkdir -p "$cache"
printf '[cache]\ndirectory = "%s"\n' "$cache" > "$run/wasmtime-cache.toml"

# /app/spin.toml ends with the component's table and lists its AWS hosts in `# endpoint` lines:
# `# endpoint <setting> <default host>`. An endpoint setting replaces its default host.
SETTINGS="$SETTINGS" awk '
  function toml(s,    out, i, c) {
    out = ""
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (c == "\\" || c == "\"") out = out "\\" c
      else if (c in control) out = out sprintf("\\u%04x", control[c])
      else out = out c
    }
    return "\"" out "\""
  }
  function origin(url,    rest, slash) {
    rest = substr(url, index(url, "://") + 3)
    slash = index(rest, "/")
    if (slash) rest = substr(rest, 1, slash - 1)
    return substr(url, 1, index(url, "://") + 2) rest
  }
  BEGIN { for (i = 1; i < 32; i++) control[sprintf("%c", i)] = i; control[sprintf("%c", 127)] = 127 }
  { print }
  /^\[component\./ { component = $0; sub(/^\[/, "", component); sub(/\]$/, "", component) }
  /^# endpoint / {
    url = ENVIRON[$3]; if (url == "") url = ENVIRON["AWS_ENDPOINT_URL"]
    host = $0; sub(/^# endpoint [^ ]+ /, "", host)  # the default host (it has spaces)
    hosts = hosts (hosts == "" ? "" : ", ") toml(url != "" ? origin(url) : host)
  }
  END {
    print "allowed_outbound_hosts = [" hosts "]"
    print ""
    print "[" component ".environment]"
    n = split(ENVIRON["SETTINGS"], names, /[ \n]+/)
    for (i = 1; i <= n; i++)
      if (names[i] != "" && (names[i] in ENVIRON) && ENVIRON[names[i]] != "")
        print names[i] " = " toml(ENVIRON[names[i]])
  }
' "$app/spin.toml" > "$run/spin.toml"

# Region of the default AWS hosts in the manifest ({{ aws_region }}).
SPIN_VARIABLE_AWS_REGION=${AWS_REGION:-us-east-1}
export SPIN_VARIABLE_AWS_REGION

# An instance is kept between invocations for up to 10 minutes (Spin's default is 1 s; a Lambda
# sandbox is frozen between them), so what it holds (configuration parsed, login's signing key
# read from Secrets Manager) serves up to 128 requests, Spin's default reuse count.
set -- spin up --from "$run/spin.toml" --listen "127.0.0.1:${AWS_LWA_PORT:-8080}" \
  --state-dir "$run/state" --cache "$run/wasmtime-cache.toml" --idle-instance-timeout 600s
if [ "$cache" = "$cache_image" ]; then
  # Spin compiles the component before it starts serving: wait for that, then stop.
  : > "$run/precompile.log"
  "$@" > "$run/precompile.log" 2>&1 & pid=$!
  i=0
  until grep -q '^Serving' "$run/precompile.log" || [ $i -ge 1200 ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$run/precompile.log" >&2; exit 1; }
    sleep 0.05; i=$((i + 1))
  done
  kill "$pid"; wait "$pid" || true
  [ -n "$(find "$cache" -type f)" ] || { echo "precompile: the cache stayed empty" >&2; exit 1; }
  chmod -R a+rX "$cache"  # the function runs as another user than the image build
  exit 0
fi
exec "$@"
