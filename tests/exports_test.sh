#!/bin/sh
# libstreamopt.so must export the C ABI and nothing else, and must not link
# LibTorch or XGBoost.
set -eu
lib="$1"
exported=$(nm -D --defined-only "$lib" | awk '{print $3}')
others=$(printf '%s\n' "$exported" | grep -v '^sopt_' || true)
count=$(printf '%s\n' "$exported" | grep -c '^sopt_')
if [ -n "$others" ]; then
  echo "exports: non-sopt_ symbols exported:"; printf '%s\n' "$others" | head -20
  echo "exports: 0 passed, 1 failed"
  exit 1
fi
[ "$count" -ge 30 ] || { echo "exports: only $count sopt_ symbols"; exit 1; }
# The learned controllers run on Eigen inside the engine: no LibTorch, no XGBoost.
if command -v ldd >/dev/null && ldd "$lib" | grep -E -q 'libtorch|libc10|libxgboost'; then
  echo "exports: libstreamopt.so links LibTorch or XGBoost:"; ldd "$lib" | grep -E 'libtorch|libc10|libxgboost'
  exit 1
fi
echo "exports: $count sopt_ symbols, nothing else; 1 passed, 0 failed"
