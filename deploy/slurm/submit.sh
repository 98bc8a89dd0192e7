#!/usr/bin/env bash
# Submits a sharded sigaudit audit to Slurm: a job array of N shard tasks
# (sigaudit-shard.sbatch), then the merge (sigaudit-merge.sbatch), which starts only when
# every shard task succeeded (afterok) and is cancelled if one failed; with --warm, first a
# job that fills the shards' fetch cache (sigaudit-warm.sbatch), which the array waits for.
#
#   submit.sh [OPTIONS] OUT_DIR INPUT... [-- VERIFY_OPTION...]
#
#   OUT_DIR              shared directory for the reports (created); logs in OUT_DIR/logs
#   INPUT...             archives, directories or PDF files, as every node sees them
#   VERIFY_OPTION...     more `sigaudit verify` options for every shard (--trust, --crl, ...);
#                        {K} and {N} in them stand for the shard (--evidence and --etsi-xml
#                        need a directory per shard: --evidence /shared/ev/shard-{K}-of-{N})
#
# Options:
#   -n, --shards N       number of shards, the array's size (default 4)
#   --at TIME            validation time, RFC 3339 (default: now); every shard judges at it
#   --ordered            the merged report in input order (default: by input and name)
#   --warm               online audits (VERIFY_OPTION has --online --cache DIR): fill DIR
#                        first (`sigaudit cache warm`, with the verify options' --fetch-allow,
#                        --fetch-timeout and --max-revocation-age), one job before the array
#   --wait               wait until the merge ends; exit 0 when OUT_DIR/report.jsonl is
#                        written, 1 when a shard or the merge failed (their states shown)
#   --poll SECONDS       how often --wait asks Slurm (default 10)
#   --sbatch OPT         an sbatch option for both jobs (repeatable), e.g.
#                        --sbatch=--partition=batch --sbatch=--time=04:00:00
#   --shard-sbatch OPT   an sbatch option for the shard tasks only, e.g. --cpus-per-task=8,
#                        --mem=8G, or --array's throttle as --shard-sbatch=--array=1-N%4
#   --merge-sbatch OPT   an sbatch option for the merge only
#   --warm-sbatch OPT    an sbatch option for the warm job only
#   -h, --help
#
# Environment: SIGAUDIT, the sigaudit binary the jobs run (default: `sigaudit` on the nodes'
# PATH), is passed on to the jobs with the rest of the environment.
#
# Prints ARRAY_JOB=<id> and MERGE_JOB=<id> (and WARM_JOB=<id> first, with --warm) on
# standard output; OUT_DIR/submit.env records them with the validation time and N, for
# submitting a shard again by hand.
set -euo pipefail
# (Possibly empty arrays are expanded as ${a[@]+"${a[@]}"}: bash before 4.4 calls an empty
# array unbound under set -u.)

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    exit "${1:-2}"
}

die() {
    echo "submit.sh: $*" >&2
    exit 2
}

shards=4
at=""
ordered=no
warm=no
wait=no
poll=10
both=()
shard_opts=()
merge_opts=()
warm_opts=()
while [ $# -gt 0 ]; do
    case $1 in
        -n | --shards) shards=${2:?}; shift 2 ;;
        --shards=*) shards=${1#*=}; shift ;;
        --at) at=${2:?}; shift 2 ;;
        --at=*) at=${1#*=}; shift ;;
        --ordered) ordered=yes; shift ;;
        --warm) warm=yes; shift ;;
        --wait) wait=yes; shift ;;
        --poll) poll=${2:?}; shift 2 ;;
        --poll=*) poll=${1#*=}; shift ;;
        --sbatch) both+=("${2:?}"); shift 2 ;;
        --sbatch=*) both+=("${1#*=}"); shift ;;
        --shard-sbatch) shard_opts+=("${2:?}"); shift 2 ;;
        --shard-sbatch=*) shard_opts+=("${1#*=}"); shift ;;
        --merge-sbatch) merge_opts+=("${2:?}"); shift 2 ;;
        --merge-sbatch=*) merge_opts+=("${1#*=}"); shift ;;
        --warm-sbatch) warm_opts+=("${2:?}"); shift 2 ;;
        --warm-sbatch=*) warm_opts+=("${1#*=}"); shift ;;
        -h | --help) usage 0 ;;
        --) break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || usage
case $shards in
    '' | *[!0-9]* | 0) die "--shards: '$shards' is not a positive number" ;;
esac
case $poll in
    '' | *[!0-9.]*) die "--poll: '$poll' is not a number of seconds" ;;
esac

absolute() {
    case $1 in
        /*) printf '%s' "$1" ;;
        *) printf '%s/%s' "$PWD" "$1" ;;
    esac
}

out=$(absolute "$1")
shift
inputs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    [ "$1" != "-" ] || die "an input list on standard input (-) cannot be sharded by Slurm: name the inputs"
    [ -e "$1" ] || die "input $1 does not exist (here; the nodes must see it at the same path)"
    inputs+=("$(absolute "$1")")
    shift
done
[ ${#inputs[@]} -gt 0 ] || die "no INPUT given"
verify_opts=("$@") # the `--` included, if any

# The warm job's cache directory and fetch options: the shards' own. (And a directory every
# shard would write its own manifest or index into is refused here already: the shard task
# replaces {K} and {N}.)
cache=""
warm_args=()
set -- ${verify_opts[@]+"${verify_opts[@]}"}
while [ $# -gt 0 ]; do
    case $1 in
        --evidence | --etsi-xml | --evidence=* | --etsi-xml=*)
            case $1 in
                *=*) value=${1#*=} ;;
                *) value=${2:-} ;;
            esac
            case $value in
                *"{K}"*) ;;
                *) die "${1%%=*} $value: one directory per shard: write {K} in it (e.g. $value/shard-{K}-of-{N})" ;;
            esac
            shift
            ;;
        --cache) cache=${2:-}; shift 2 || shift ;;
        --cache=*) cache=${1#*=}; shift ;;
        --fetch-allow | --fetch-timeout | --max-revocation-age)
            warm_args+=("$1" "${2:-}"); shift 2 || shift ;;
        --fetch-allow=* | --fetch-timeout=* | --max-revocation-age=*)
            warm_args+=("$1"); shift ;;
        *) shift ;;
    esac
done
if [ $warm = yes ] && [ -z "$cache" ]; then
    die "--warm fills the shards' fetch cache: give them --online --cache DIR (after --)"
fi

if [ -z "$at" ]; then
    at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi
command -v sbatch >/dev/null 2>&1 || die "sbatch not found: is this a Slurm submit host?"
mkdir -p "$out/logs"

# sbatch --parsable prints `id` or `id;cluster`.
job_id() {
    local id
    id=$(cat)
    id=${id%%;*}
    case $id in
        '' | *[!0-9]*) die "sbatch answered '$id', not a job id" ;;
    esac
    printf '%s' "$id"
}

after_warm=()
warm_job=""
if [ $warm = yes ]; then
    warm_job=$(sbatch --parsable \
        --job-name=sigaudit-warm \
        --output="$out/logs/warm.out" \
        --export="ALL,SIGAUDIT_AT=$at" \
        ${both[@]+"${both[@]}"} ${warm_opts[@]+"${warm_opts[@]}"} \
        "$here/sigaudit-warm.sbatch" "$cache" "${inputs[@]}" -- \
        ${warm_args[@]+"${warm_args[@]}"} | job_id)
    echo "WARM_JOB=$warm_job"
    after_warm=(--dependency="afterok:$warm_job" --kill-on-invalid-dep=yes)
fi

array=$(sbatch --parsable --array="1-$shards" \
    --job-name=sigaudit-shard \
    ${after_warm[@]+"${after_warm[@]}"} \
    --output="$out/logs/shard-%a-of-$shards.out" \
    --export="ALL,SIGAUDIT_AT=$at,SIGAUDIT_SHARDS=$shards" \
    ${both[@]+"${both[@]}"} ${shard_opts[@]+"${shard_opts[@]}"} \
    "$here/sigaudit-shard.sbatch" "$out" "${inputs[@]}" ${verify_opts[@]+"${verify_opts[@]}"} | job_id)

merge_args=()
[ $ordered = yes ] && merge_args+=(--ordered)
merge=$(sbatch --parsable \
    --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --job-name=sigaudit-merge \
    --output="$out/logs/merge.out" \
    --export=ALL \
    ${both[@]+"${both[@]}"} ${merge_opts[@]+"${merge_opts[@]}"} \
    "$here/sigaudit-merge.sbatch" "$out" "$shards" ${merge_args[@]+"${merge_args[@]}"} | job_id)

{
    echo "# submit.sh, $(date -u +%FT%TZ)"
    [ -z "$warm_job" ] || echo "WARM_JOB=$warm_job"
    echo "ARRAY_JOB=$array"
    echo "MERGE_JOB=$merge"
    echo "SIGAUDIT_AT=$at"
    echo "SIGAUDIT_SHARDS=$shards"
} >"$out/submit.env"
echo "ARRAY_JOB=$array"
echo "MERGE_JOB=$merge"
echo "submit.sh: $shards shard tasks (job $array), merge (job $merge) after them; reports in $out" >&2

[ $wait = yes ] || exit 0

# A job's state as the controller knows it, `STATE exit CODE`, one line per array task
# (`STATE task K exit CODE`); once the controller has forgotten the job (MinJobAge), as
# accounting knows it, if there is accounting.
states() {
    local s
    s=$(scontrol show job -o "$1" 2>/dev/null | awk '{
        task = ""; state = ""; code = ""
        for (i = 1; i <= NF; i++) {
            eq = index($i, "=")
            key = substr($i, 1, eq - 1); value = substr($i, eq + 1)
            if (key == "ArrayTaskId") task = " task " value
            else if (key == "JobState") state = value
            else if (key == "ExitCode") code = value
        }
        if (state != "") print state task " exit " code
    }') || true
    if [ -z "$s" ] && command -v sacct >/dev/null 2>&1; then
        s=$(sacct -n -X -P -j "$1" -o State,ExitCode 2>/dev/null \
            | awk -F'|' 'NF >= 2 { print $1 " exit " $2 }') || true
    fi
    if [ -n "$s" ]; then printf '%s\n' "$s"; fi
}

while :; do
    merge_state=$(states "$merge" | awk 'NR == 1 { print $1 }')
    case $merge_state in
        "")
            die "Slurm no longer knows job $merge (nor does accounting): see $out/logs"
            ;;
        PENDING | CONFIGURING | RUNNING | COMPLETING | REQUEUED | REQUEUE_HOLD | REQUEUE_FED \
            | RESIZING | SUSPENDED | STAGE_OUT | SIGNALING | RESV_DEL_HOLD)
            sleep "$poll"
            ;;
        COMPLETED)
            echo "submit.sh: merged: $out/report.jsonl, $out/summary.json" >&2
            exit 0
            ;;
        *)
            echo "submit.sh: the merge (job $merge) ended $merge_state" >&2
            if [ -n "$warm_job" ]; then
                echo "submit.sh: the warm job ($warm_job): $(states "$warm_job")" >&2
            fi
            echo "submit.sh: shard tasks (job $array):" >&2
            states "$array" | sed 's/^/  /' >&2
            echo "submit.sh: logs in $out/logs" >&2
            exit 1
            ;;
    esac
done
