package dev.gitopsagent.state;

import dev.gitopsagent.verify.Verdict;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Who signed a deployed commit, as shown in status. */
@RegisterForReflection
public record SignatureRecord(String format, String signer, String key) {
    public static SignatureRecord of(Verdict.Trusted verdict) {
        return new SignatureRecord(verdict.format().toString(), verdict.signer(), verdict.key());
    }
}
