# Builder of a test system (see flake.nix).
set -eu
mkdir -p "$out/bin" "$out/etc/gitops-agent" "$out/etc/systemd/system"
printf '%s' "$revision" >"$out/etc/gitops-agent/revision"
if [ -d "$host/units" ]; then cp "$host/units/"* "$out/etc/systemd/system/"; fi
if [ -d "$host/trust" ]; then cp -r "$host/trust" "$out/etc/gitops-agent/trust"; fi
# What a reboot would change (the agent compares it with /run/booted-system's, as for a NixOS system).
if [ -f "$host/kernel-params" ]; then cp "$host/kernel-params" "$out/kernel-params"; fi
# A slow build, for the tests that interrupt one.
if [ -f "$host/build-seconds" ]; then sleep "$(cat "$host/build-seconds")"; fi
cp "$activation" "$out/bin/switch-to-configuration"
chmod +x "$out/bin/switch-to-configuration"
