#!/bin/sh
# Runs each named target for $SECS seconds, one at a time; corpora grow under work/<target>.
SECS=${SECS:-720}
for t in "$@"; do
  mkdir -p work/$t artifacts/$t
  cargo fuzz run --sanitizer none -O $t work/$t corpus/$t -- \
    -max_total_time=$SECS -timeout=${TIMEOUT:-10} -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix=artifacts/$t/ -print_final_stats=1 > logs/$t.log 2>&1
  echo "$t exit $?" >> logs/summary.txt
done
