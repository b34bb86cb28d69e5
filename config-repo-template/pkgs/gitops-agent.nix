# gitops-agent, built from source: a native executable by default (GraalVM
# Native Image from nixpkgs, the agent's `-Pnative` profile), or the Quarkus
# fast-jar on JDK 17 with `native = false`.
#
# src: the gitops-agent source tree (the directory with pom.xml and agent/).
#   The fleet flake passes its `gitops-agent` input (see flake.nix and
#   modules/fleet.nix), so flake.lock pins the agent's commit exactly like it
#   pins nixpkgs, and `nix flake update gitops-agent` moves it. Called without
#   `src`, evaluation stops with the message below.
#
# native: build the native executable (default where nixpkgs has GraalVM:
#   x86_64-linux and aarch64-linux). It starts in well under a second and idles
#   in a fraction of the JVM's memory (README, Benchmarks), and it needs no
#   writable+executable memory, so the unit keeps MemoryDenyWriteExecute=yes.
#   The build takes several minutes and about 7 GiB of RAM once per agent
#   version. JVM fallback, e.g. on other platforms or small build machines:
#     pkgs.callPackage ./pkgs/gitops-agent.nix { src = ...; native = false; }
#   (modules/fleet.nix: services.gitops-agent.package). The JVM build sets
#   passthru.jvm = true, which turns MemoryDenyWriteExecute off in the module.
#
# mvnHash: hash of every Maven dependency and plugin. buildMavenPackage fetches
#   them in a fixed-output derivation (the only step with network access) and
#   then builds offline (`mvn -o`) against that copy. lib.fakeHash makes the
#   first `nix build .#gitops-agent` fail with "hash mismatch ... got:
#   sha256-..."; paste that value here. Repeat whenever the agent's pom.xml
#   files change (an update of the gitops-agent input can do that), and after
#   switching between native and JVM builds (the fetch runs the same Maven
#   command as the build).
#
# Maven itself comes from nixpkgs, not from the agent's ./mvnw (which would
# download Maven at build time).
{ lib
, stdenv
, maven
, jdk17_headless
, graalvmPackages
, makeWrapper
, src ? throw "pkgs/gitops-agent.nix: pass the gitops-agent source, e.g. pkgs.callPackage ./pkgs/gitops-agent.nix { src = inputs.gitops-agent; }"
, native ? stdenv.hostPlatform.isLinux && lib.meta.availableOn stdenv.hostPlatform graalvmPackages.graalvm-ce
}:

let
  # Low-footprint JVM profile for a mostly idle daemon: small serial-GC heap
  # that is handed back to the OS, C1 only, small code cache and thread stacks.
  # Measured: about 115 MiB idle RSS instead of about 270 MiB with JVM
  # defaults. Defaults only: a JAVA_TOOL_OPTIONS or MALLOC_ARENA_MAX set in the
  # environment (e.g. systemd.services.gitops-agent.environment) wins.
  javaToolOptions = lib.concatStringsSep " " [
    "-Xmx64m"
    "-Xms16m"
    "-Xmn8m"
    "-XX:MinHeapFreeRatio=10"
    "-XX:MaxHeapFreeRatio=30"
    "-XX:+UseSerialGC"
    "-XX:TieredStopAtLevel=1"
    "-XX:ReservedCodeCacheSize=32m"
    "-XX:MaxMetaspaceSize=128m"
    "-Xss512k"
    "-XX:CICompilerCount=1"
    "-XX:TrimNativeHeapInterval=5000"
    # C1 leaves JGit's 51-byte int read, called 16 times per SHA-1 block, a call.
    "-XX:CompileCommand=quiet"
    "-XX:CompileCommand=inline,org.eclipse.jgit.util.NB::decodeInt32"
  ];
  graalvm = graalvmPackages.graalvm-ce;
in
maven.buildMavenPackage ({
  pname = "gitops-agent";
  version = "0.1.0";
  inherit src;

  mvnHash = lib.fakeHash;
  doCheck = false;

  meta = {
    description = "Pull-based NixOS deployment agent that only deploys signed commits";
    mainProgram = "gitops-agent";
    platforms = lib.platforms.linux;
  };
} // (if native then {
  # Maven runs on GraalVM's JDK too, so Quarkus finds native-image beside it.
  mvnJdk = graalvm;
  # Tests are skipped: they belong to the agent's own CI, not to every fleet
  # build. -march=compatibility: the binary may run on an older CPU than the
  # build machine's (the default target is x86-64-v3 / armv8-a).
  mvnParameters = "-pl agent -am -DskipTests -Pnative -Dquarkus.native.additional-build-args=-march=compatibility";
  env.GRAALVM_HOME = "${graalvm}";

  # One self-contained executable (GraalVM links the JDK's static libraries).
  installPhase = ''
    runHook preInstall
    install -D -m 0755 agent/target/gitops-agent-*-runner $out/bin/gitops-agent
    runHook postInstall
  '';
} else {
  mvnJdk = jdk17_headless;
  # The agent module and the parent POM it inherits from.
  mvnParameters = "-pl agent -am -DskipTests";

  nativeBuildInputs = [ makeWrapper ];

  # agent/target/quarkus-app is the whole application: quarkus-run.jar plus
  # lib/, app/ and quarkus/, which it references by relative path.
  installPhase = ''
    runHook preInstall

    mkdir -p $out/share/gitops-agent
    cp -r agent/target/quarkus-app $out/share/gitops-agent/

    makeWrapper ${jdk17_headless}/bin/java $out/bin/gitops-agent \
      --add-flags "-jar $out/share/gitops-agent/quarkus-app/quarkus-run.jar" \
      --set-default MALLOC_ARENA_MAX 2 \
      --set-default JAVA_TOOL_OPTIONS "${javaToolOptions}"

    runHook postInstall
  '';

  # Read by modules/gitops-agent.nix: a JIT needs writable+executable memory,
  # so the unit cannot use MemoryDenyWriteExecute=.
  passthru.jvm = true;
}))
