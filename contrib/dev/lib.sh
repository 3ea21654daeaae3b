# signet developer helpers: sourced by contrib/dev/{up,down,status,test} and bench/run.
#
#   . contrib/dev/lib.sh
#   need_packages [PKG...]     install the missing ones (apt-get); default: what building
#                              and running need ($SIGNET_BUILD_PKGS $SIGNET_RUN_PKGS)
#   need_packages $SIGNET_TEST_PKGS   and what the tests add
#   need_npm DIR WHAT          DIR's npm packages, as its package-lock.json pins them (npm ci)
#   need_sdk                   the BEdita JS SDK the SDK walk test runs (npm ci in tests/sdk)
#   need_redocly               Redocly CLI, which lints doc/openapi.yaml (npm ci in contrib/openapi)
#   build DIR [CONFIGURE ARGS] VPATH build of the source tree into DIR (relative to the top)
#   harness ARGS...            Debian's python3 -m harness ARGS: the test harness package
#                              (tests/harness), which starts and stops PostgreSQL, the mail
#                              catcher, signet and nginx for up/down/status, tests and bench
#
# The source tree itself is never configured: automake refuses a VPATH build of a source
# tree that is configured in place, and we keep two (build/ and build-san/).
# shellcheck shell=bash

# nginx, useradd and runuser live in /usr/sbin, which a non-root PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

SIGNET_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SIGNET_TOP

# Debian packages, by purpose.  Build: the compiler, the autotools, the libraries and
# Check (configure wants it).  Run (contrib/dev/up): PostgreSQL, nginx, and Debian's
# python3 with what the harness imports.  Test (contrib/dev/test adds them): pytest, the
# other front ends, systemd-analyze, wrk, clang for the libFuzzer targets, pgbouncer (the
# suite through a pooler, the multi-host test), iproute2 (`ip netns` for that test), and
# YAML and JSON Schema for the check of every exchange against doc/openapi.yaml
# (tests/harness/openapi.py).  The sanitizer build uses gcc's own libasan/libubsan, which
# come with build-essential.
# The BEdita SDK walk (tests/sdk, test_bedita_sdk.py) and Redocly CLI (contrib/openapi,
# test_openapi.py's lint) run Debian's node; need_npm installs them with npm, and Debian's
# npm package only where no npm is installed (NodeSource's nodejs carries its own npm and
# conflicts with Debian's).
SIGNET_BUILD_PKGS="build-essential autoconf automake libtool pkg-config autoconf-archive
	libfcgi-dev libjson-c-dev libpq-dev libscrypt-dev libjwt-dev libesmtp-dev check
	libsubunit-dev libzxcvbn-dev libssl-dev libidn2-dev liboath-dev libqrencode-dev"
SIGNET_RUN_PKGS="postgresql nginx-light python3 python3-aiosmtpd python3-requests curl"
# shellcheck disable=SC2034  # used by contrib/dev/test
SIGNET_TEST_PKGS="python3-pytest python3-pytest-timeout python3-prometheus-client lighttpd apache2
	libapache2-mod-fcgid spawn-fcgi systemd wrk clang libclang-rt-14-dev oathtool nodejs
	pgbouncer iproute2"

# The check of every test's exchanges against doc/openapi.yaml (tests/harness/openapi.py).
SIGNET_TEST_PKGS="$SIGNET_TEST_PKGS python3-yaml python3-jsonschema"

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# need_packages [PKG...]: install the missing ones of PKG... (default: the build's and
# running's, $SIGNET_BUILD_PKGS $SIGNET_RUN_PKGS).
need_packages() {
	local pkgs=("$@") missing=() p
	if [ ${#pkgs[@]} -eq 0 ]; then
		# shellcheck disable=SC2206
		pkgs=($SIGNET_BUILD_PKGS $SIGNET_RUN_PKGS)
	fi
	command -v dpkg-query >/dev/null 2>&1 ||
		die "dpkg-query not found: this helper knows Debian only; install by hand: ${pkgs[*]}"
	for p in "${pkgs[@]}"; do
		case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
		*" installed") ;;
		*) missing+=("$p") ;;
		esac
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! is_root; then
		die "missing Debian packages: ${missing[*]}
  install them as root:  apt-get install ${missing[*]}"
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# apache2's and lighttpd's install scripts would start them on *:80: forbid
	# service starts while installing (policy-rc.d), and only then.
	local policy_made=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_made=1
	fi
	apt-get update -q || die "apt-get update failed"
	local rc=0
	apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
	[ -n "$policy_made" ] && rm -f /usr/sbin/policy-rc.d
	[ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed"
}

# need_npm DIR WHAT: DIR's (relative to the top) node_modules exactly as its
# package-lock.json pins them (npm ci, no install scripts), unless they are there already
# and not older than the lock file.  WHAT says what they are for.  Without the npm registry
# it only warns: the test that needs them then fails and says why (none skips).
need_npm() {
	local dir=$SIGNET_TOP/${1:?need_npm: which directory?} what=${2:-}
	command -v npm >/dev/null 2>&1 || need_packages npm
	if [ -f "$dir/node_modules/.package-lock.json" ] &&
		! [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		return 0
	fi
	say "npm ci in $1${what:+ ($what)}"
	(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) ||
		warn "npm ci failed in $1 (is the npm registry reachable?):" \
			"${what:-its test} will fail"
}

# need_sdk: the BEdita JS SDK in tests/sdk/node_modules, for test_bedita_sdk.py.
need_sdk() {
	need_npm tests/sdk "the BEdita SDK for test_bedita_sdk.py"
}

# need_redocly: Redocly CLI in contrib/openapi/node_modules, for test_openapi.py's lint
# of doc/openapi.yaml.
need_redocly() {
	need_npm contrib/openapi "Redocly CLI for test_openapi.py"
}

# build DIR [CONFIGURE ARGS...]: autoreconf the source tree if needed, configure DIR
# (a VPATH build, DIR relative to the top) if it has no Makefile, then make.
build() {
	local dir=${1:?build: which directory?}
	shift
	case $dir in /*) ;; *) dir=$SIGNET_TOP/$dir ;; esac
	if [ -f "$SIGNET_TOP/config.status" ] || [ -f "$SIGNET_TOP/Makefile" ]; then
		die "the source tree $SIGNET_TOP is configured in place, which breaks VPATH builds:
  run 'make distclean' there (or remove config.status and Makefile) and retry"
	fi
	if [ ! -x "$SIGNET_TOP/configure" ] || [ "$SIGNET_TOP/configure.ac" -nt "$SIGNET_TOP/configure" ]; then
		say "autoreconf -fi"
		mkdir -p "$SIGNET_TOP/m4"
		(cd "$SIGNET_TOP" && autoreconf -fi) || die "autoreconf failed"
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		say "configuring $dir: configure $*"
		(cd "$dir" && "$SIGNET_TOP/configure" "$@") ||
			die "configure failed (see $dir/config.log)"
	fi
	say "make -C $dir"
	make -C "$dir" -j"$(nproc 2>/dev/null || echo 2)" || die "make failed in $dir"
}

# harness ARGS...: the test harness package (tests/harness) as a program, with Debian's
# python3 (the python3 first on PATH may lack python3-aiosmtpd):
#   harness dev up --build DIR | harness dev status | harness dev down [--purge]
#   harness smtp --port PORT [--dir DIR] [--print]
harness() {
	PYTHONPATH="$SIGNET_TOP/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -m harness "$@"
}
