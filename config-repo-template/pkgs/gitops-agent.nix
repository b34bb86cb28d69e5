# The gitops-agent native executable.
#
# PLACEHOLDER: point `url` at the release artifact you deploy and replace the
# hash (the first build prints the right one). A GraalVM native image only
# links against glibc and zlib, which autoPatchelfHook wires to this nixpkgs.
{ lib, stdenv, fetchurl, autoPatchelfHook, zlib }:

stdenv.mkDerivation (finalAttrs: {
  pname = "gitops-agent";
  version = "0.1.0";

  src = fetchurl {
    url = "https://example.org/gitops-agent/releases/v${finalAttrs.version}/gitops-agent-${finalAttrs.version}-linux-x86_64";
    hash = lib.fakeHash;
  };

  dontUnpack = true;
  nativeBuildInputs = [ autoPatchelfHook ];
  buildInputs = [ zlib ];

  installPhase = ''
    runHook preInstall
    install -Dm755 $src $out/bin/gitops-agent
    runHook postInstall
  '';

  meta = {
    description = "Pull-based NixOS deployment agent that only deploys signed commits";
    mainProgram = "gitops-agent";
    platforms = [ "x86_64-linux" ];
  };
})
