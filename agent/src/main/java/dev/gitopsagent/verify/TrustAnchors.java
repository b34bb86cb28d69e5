package dev.gitopsagent.verify;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.ConfigFiles;
import dev.gitopsagent.config.InvalidConfigException;

/** The keys this host trusts, read once from the files the operator configured. */
public record TrustAnchors(OpenPgpKeyring openPgp, Optional<Path> allowedSigners) {

    public static TrustAnchors load(AgentConfig.Trust trust) {
        List<Path> keyFiles = trust.openpgpKeys().orElse(List.of());
        if (keyFiles.isEmpty() && trust.allowedSigners().isEmpty()) {
            throw new InvalidConfigException("gitops.trust",
                    "names no trusted key: set gitops.trust.openpgp-keys and/or gitops.trust.allowed-signers");
        }
        for (Path file : keyFiles) {
            ConfigFiles.requireReadable(file, "gitops.trust.openpgp-keys");
        }
        trust.allowedSigners().ifPresent(file -> ConfigFiles.requireReadable(file, "gitops.trust.allowed-signers"));
        OpenPgpKeyring keyring = keyFiles.isEmpty() ? OpenPgpKeyring.empty() : OpenPgpKeyring.load(keyFiles, "gitops.trust.openpgp-keys");
        return new TrustAnchors(keyring, trust.allowedSigners());
    }
}
