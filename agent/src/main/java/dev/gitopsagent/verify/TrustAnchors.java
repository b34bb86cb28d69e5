package dev.gitopsagent.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.ConfigFiles;
import dev.gitopsagent.config.InvalidConfigException;

/** The keys this host trusts, read once from the files the operator configured. */
public final class TrustAnchors {

    static final String OPENPGP_KEY = "gitops.trust.openpgp-keys";
    static final String SSH_KEY = "gitops.trust.allowed-signers";

    private TrustAnchors() {
    }

    public static SignerSet load(AgentConfig.Trust trust) {
        List<Path> keyFiles = trust.openpgpKeys().orElse(List.of());
        if (keyFiles.isEmpty() && trust.allowedSigners().isEmpty()) {
            throw new InvalidConfigException("gitops.trust",
                    "names no trusted key: set gitops.trust.openpgp-keys and/or gitops.trust.allowed-signers");
        }
        for (Path file : keyFiles) {
            ConfigFiles.requireReadable(file, OPENPGP_KEY);
        }
        trust.allowedSigners().ifPresent(file -> ConfigFiles.requireReadable(file, SSH_KEY));
        OpenPgpKeyring keyring = keyFiles.isEmpty() ? OpenPgpKeyring.empty() : OpenPgpKeyring.load(keyFiles, OPENPGP_KEY);
        AllowedSigners ssh = trust.allowedSigners().map(TrustAnchors::readAllowedSigners).orElse(AllowedSigners.empty());
        return of(keyring, ssh);
    }

    /** The host's signers from already-read keys, e.g. for tests and benchmarks. */
    public static SignerSet of(OpenPgpKeyring openPgp, AllowedSigners ssh) {
        return new SignerSet(openPgp, ssh, OPENPGP_KEY, SSH_KEY);
    }

    private static AllowedSigners readAllowedSigners(Path file) {
        try {
            return AllowedSigners.parse(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidConfigException(SSH_KEY, "cannot read " + file + ": " + e.getMessage());
        } catch (AllowedSigners.MalformedLineException e) {
            throw new InvalidConfigException(SSH_KEY, file + " " + e.getMessage());
        }
    }
}
