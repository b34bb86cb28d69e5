package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;
import dev.gitopsagent.verify.PathVerdict;
import dev.gitopsagent.verify.PathVerifier;
import dev.gitopsagent.verify.SignersInForce;
import dev.gitopsagent.verify.Verdict;

/**
 * Stage 5: is every commit that reaches the build signed by a key it may be signed with? A thin
 * adapter: the decision belongs to {@link PathVerifier}; this stage turns its verdict into a step.
 */
public final class Verify {

    private static final Logger LOG = Logger.getLogger(Verify.class);

    /** A candidate whose every new commit is trusted, who signed its head, and who may sign after it. */
    record Verified(Select.Candidate candidate, SignatureRecord signature, Optional<SignersInForce> signers) {
    }

    private final LocalMirror mirror;
    private final PathVerifier verifier;
    private final LiveStatus status;

    public Verify(LocalMirror mirror, PathVerifier verifier, LiveStatus status) {
        this.mirror = mirror;
        this.verifier = verifier;
        this.status = status;
    }

    Step<Verified> signatures(Descend.Lineage lineage) throws IOException {
        Select.Candidate candidate = lineage.candidate();
        if (lineage instanceof Descend.Lineage.Returns back) {
            return Step.proceed(new Verified(candidate, back.signature(), Optional.empty()));
        }
        Descend.Lineage.Continues continues = (Descend.Lineage.Continues) lineage;
        String commit = candidate.commit();
        status.phase(Phase.VERIFYING);
        PathVerdict verdict = verifier.verify(mirror.repository(), continues.baseline().map(ObjectId::fromString), ObjectId.fromString(commit));
        if (verdict instanceof PathVerdict.Refused refused) {
            return Step.stop(new Halt.Refused(commit, refused.describe(), candidate.observedHeads(), refused.reason().label()));
        }
        PathVerdict.Verified verified = (PathVerdict.Verified) verdict;
        Verdict.Trusted head = verified.head();
        LOG.infof("verified %d commit(s) up to %s (%s); it is signed by %s (%s key %s)", verified.commits(), commit, candidate.branch(),
                head.signer(), head.format(), head.key());
        return Step.proceed(new Verified(candidate, SignatureRecord.of(head), Optional.of(verified.signers())));
    }
}
