# Sourced by scripts/test and scripts/run: puts the Spin CLI on PATH when the machine has one beside
# the project (../shared/tools/spin, a Spin built from source for machines that cannot download
# it; not part of the project). A `spin` already on PATH wins.
if ! command -v spin >/dev/null 2>&1 && [ -x ../shared/tools/spin/spin ]; then
  PATH="$(cd ../shared/tools/spin && pwd):$PATH"
  export PATH
fi
