#!/usr/bin/env bash
# Builds swredis_<version>_<arch>.deb from a staged tree with dpkg-deb (real maintainer scripts, conffiles, man pages).
# Usage: packaging/build-deb.sh [OUTPUT_DIR]   (run from anywhere; needs swift, dpkg-deb, gzip)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$PWD/dist}"
version="$(sed -n 's/^swredis (\([^)]*\)).*/\1/p' packaging/debian/changelog | head -1)"
arch="$(dpkg --print-architecture)"
build=.build-static

# Release build with the Swift standard library linked in: the .deb runs on a Debian 12 without Swift.
swift build -c release -Xswiftc -enforce-exclusivity=unchecked -Xswiftc -static-stdlib --build-path "$build"
binary="$build/release/swredisd"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
install -D -m 0755 "$binary" "$stage/usr/bin/swredisd"
strip --strip-unneeded "$stage/usr/bin/swredisd" 2>/dev/null || true
install -D -m 0644 systemd/swredisd.service "$stage/lib/systemd/system/swredisd.service"
install -D -m 0644 systemd/swredisd@.service "$stage/lib/systemd/system/swredisd@.service"
# Shipped 0644 as Debian policy wants; postinst makes them 0640 root:swredis (they may hold requirepass/masterauth).
for file in etc/swredis/*.conf; do install -D -m 0644 "$file" "$stage/etc/swredis/$(basename "$file")"; done
install -D -m 0644 packaging/debian/sysusers.conf "$stage/usr/lib/sysusers.d/swredis.conf"
install -D -m 0644 packaging/debian/tmpfiles.conf "$stage/usr/lib/tmpfiles.d/swredis.conf"
install -D -m 0644 packaging/debian/logrotate "$stage/etc/logrotate.d/swredis"
install -d "$stage/usr/share/man/man8" "$stage/usr/share/man/man5" "$stage/usr/share/doc/swredis"
gzip -9n -c packaging/man/swredisd.8 > "$stage/usr/share/man/man8/swredisd.8.gz"
gzip -9n -c packaging/man/swredisd.conf.5 > "$stage/usr/share/man/man5/swredisd.conf.5.gz"
install -m 0644 packaging/debian/copyright "$stage/usr/share/doc/swredis/copyright"
# The seeds' six-node cluster, formed by the supervisor: copy the directory to /etc/swredis to run it.
for file in etc/swredis-cluster/*.conf; do
    install -D -m 0644 "$file" "$stage/usr/share/doc/swredis/examples/cluster/$(basename "$file")"
done
gzip -9n -c packaging/debian/changelog > "$stage/usr/share/doc/swredis/changelog.Debian.gz"
chmod 0644 "$stage/usr/share/man/man8/swredisd.8.gz" "$stage/usr/share/man/man5/swredisd.conf.5.gz" \
    "$stage/usr/share/doc/swredis/changelog.Debian.gz"

# No Swift runtime library may be linked dynamically.
if ldd "$binary" | grep -q 'libswift'; then
    echo "error: $binary still links the Swift runtime dynamically:" >&2
    ldd "$binary" >&2
    exit 1
fi
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
install -d "$stage/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/libc6 (>= 2.36), libsystemd0, libgcc-s1, libstdc++6, adduser/" \
    packaging/debian/control.in > "$stage/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"

mkdir -p "$out"
deb="$out/swredis_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
