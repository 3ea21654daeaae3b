# signet developer helpers: sourced by contrib/dev/{up,down,test}.
#
#   . contrib/dev/lib.sh
#   need_packages              install what the build and the tests need (apt-get)
#   build DIR [CONFIGURE ARGS] VPATH build of the source tree into DIR (relative to the top)
#   pg_bindir                  print the directory of PostgreSQL's server programs
#   as_pg_user CMD...          run CMD as the user that owns private PostgreSQL clusters
#
# The source tree itself is never configured: automake refuses a VPATH build of a source
# tree that is configured in place, and we keep two (build/ and build-san/).
# shellcheck shell=bash

# nginx, useradd and runuser live in /usr/sbin, which a non-root PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

SIGNET_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SIGNET_TOP

# Debian packages, by purpose.  The sanitizer build uses gcc's own libasan/libubsan,
# which come with build-essential: no clang needed.
SIGNET_BUILD_PKGS="build-essential autoconf automake libtool pkg-config autoconf-archive
	libfcgi-dev libjson-c-dev libpq-dev libscrypt-dev libjwt-dev libesmtp-dev check
	libsubunit-dev libzxcvbn-dev libssl-dev libidn2-dev"
SIGNET_TEST_PKGS="postgresql nginx-light python3 python3-pytest python3-pytest-timeout
	python3-aiosmtpd python3-requests curl lighttpd apache2 libapache2-mod-fcgid
	spawn-fcgi systemd wrk clang libclang-rt-14-dev"

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# need_packages [PKG...]: install the missing ones of PKG... (default: all of the above).
need_packages() {
	local pkgs=("$@") missing=() p
	if [ ${#pkgs[@]} -eq 0 ]; then
		# shellcheck disable=SC2206
		pkgs=($SIGNET_BUILD_PKGS $SIGNET_TEST_PKGS)
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

# pg_bindir: where initdb/pg_ctl/postgres live (Debian keeps them off PATH).
pg_bindir() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] || continue
		if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ] 2>/dev/null; then
			best=$d
		fi
	done
	if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		[ -n "$d" ] && [ -x "$d/initdb" ] && best=$d
	fi
	if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
		best=$(dirname "$(command -v initdb)")
	fi
	[ -n "$best" ] || die "PostgreSQL server programs (initdb) not found: apt-get install postgresql"
	printf '%s\n' "$best"
}

# pg_path: put PostgreSQL's server programs first on PATH.
pg_path() {
	local b
	b=$(pg_bindir) || exit 1
	case ":$PATH:" in *":$b:"*) ;; *) PATH=$b:$PATH ;; esac
	export PATH
}

# The unprivileged user that owns private clusters when we are root (initdb refuses root).
SIGNET_PG_USER=signet

ensure_pg_user() {
	is_root || return 0
	if ! getent passwd "$SIGNET_PG_USER" >/dev/null; then
		say "creating system user $SIGNET_PG_USER (owns the private PostgreSQL clusters)"
		useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$SIGNET_PG_USER" ||
			die "useradd $SIGNET_PG_USER failed"
	fi
}

# as_pg_user CMD...: run CMD as the cluster owner (ourselves unless we are root).
as_pg_user() {
	if is_root; then
		runuser -u "$SIGNET_PG_USER" -- "$@"
	else
		"$@"
	fi
}

# pid_alive FILE: true if FILE names a running process.
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(head -n1 "$1" 2>/dev/null) || return 1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	kill -0 "$pid" 2>/dev/null || return 1
	# a zombie (exited, not reaped yet) is not alive
	if [ -r "/proc/$pid/stat" ]; then
		case $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) in Z | X) return 1 ;; esac
	fi
	return 0
}

# wait_tcp HOST PORT SECONDS: wait until something accepts connections there.
wait_tcp() {
	local host=$1 port=$2 n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# stop_pidfile FILE NAME [SECONDS]: SIGTERM the process, wait, then SIGKILL it, and
# SIGKILL whatever is left in its process group (we start daemons with setsid).
stop_pidfile() {
	local file=$1 name=$2 secs=${3:-15} pid n left
	[ -s "$file" ] || return 0
	pid=$(head -n1 "$file")
	case $pid in '' | *[!0-9]*) rm -f "$file"; return 0 ;; esac
	if pid_alive "$file"; then
		say "stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		n=$((secs * 10))
		while pid_alive "$file" && [ "$n" -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		if pid_alive "$file"; then
			warn "$name (pid $pid) did not stop in ${secs}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			n=20
			while pid_alive "$file" && [ "$n" -gt 0 ]; do
				sleep 0.1
				n=$((n - 1))
			done
		fi
	fi
	left=$(pgrep -g "$pid" -r R,S,D,T,t,I 2>/dev/null | tr '\n' ' ' || true)
	if [ -n "$left" ]; then
		warn "$name left processes behind: ${left}- SIGKILL"
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}

# nginx_conf_gen SERVER_TEMPLATE STATEDIR PORT SOCKET: write STATEDIR/nginx.conf and
# STATEDIR/signet-server.conf from contrib/nginx/*.  Temp paths of modules this nginx
# lacks are left out (nginx refuses directives of modules it was built without).
nginx_conf_gen() {
	local tmpl=$1 dir=$2 port=$3 sock=$4 userline='' v
	mkdir -p "$dir"
	is_root && userline="user root root;"
	v=$(nginx -V 2>&1 || true)
	sed -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$sock|g" "$tmpl" >"$dir/signet-server.conf"
	sed -e "s|@DIR@|$dir|g" -e "s|@USER@|$userline|g" \
		-e "s|@SERVER@|$dir/signet-server.conf|g" \
		"$SIGNET_TOP/contrib/nginx/nginx-dev.conf" |
		{
			if printf '%s' "$v" | grep -q -- '--without-http_uwsgi_module'; then
				grep -v 'uwsgi_temp_path'
			else cat; fi
		} |
		{
			if printf '%s' "$v" | grep -q -- '--without-http_scgi_module'; then
				grep -v 'scgi_temp_path'
			else cat; fi
		} >"$dir/nginx.conf"
	if [ -f /etc/nginx/fastcgi_params ]; then
		cp /etc/nginx/fastcgi_params "$dir/fastcgi_params"
	else
		cp "$SIGNET_TOP/contrib/nginx/fastcgi_params" "$dir/fastcgi_params"
	fi
	mkdir -p "$dir/tmp"
}
