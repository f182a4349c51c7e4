#!/bin/sh
# Passes the function's configuration (Lambda environment: AWS credentials of the execution role,
# region, table names, signing key, ...) to the component with `spin up --env`, since Spin gives
# components only what the manifest and --env say.
set -eu
args=""
for name in AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
            USERS_TABLE SESSIONS_TABLE THROTTLE_TABLE CONVERSATIONS_TABLE TOKEN_SIGNING_KEY \
            TOKEN_PUBLIC_KEYS TOKEN_ISSUER TOKEN_AUDIENCE \
            CORS_ALLOWED_ORIGINS CLIENT_IP_HEADER CLIENT_IP_HOPS SAGEMAKER_ENDPOINT_NAME \
            MODEL_PAYLOAD_FORMAT MODEL_TIMEOUT_MS MODEL_MAX_NEW_TOKENS MODEL_TEMPERATURE MODEL_SYSTEM_PROMPT; do
  eval "value=\${$name:-}"
  [ -n "$value" ] && args="$args --env $name=$value"
done
# The AWS endpoints are the real ones: override the manifest's local defaults.
args="$args --env AWS_ENDPOINT_URL_DYNAMODB=https://dynamodb.${AWS_REGION}.amazonaws.com"
args="$args --env AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=https://runtime.sagemaker.${AWS_REGION}.amazonaws.com"
export SPIN_VARIABLE_AWS_REGION="$AWS_REGION"
# shellcheck disable=SC2086
exec spin up --from /app/spin.toml --listen 0.0.0.0:8080 $args
