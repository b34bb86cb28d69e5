package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.jboss.logging.Logger;

import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;
import dev.gitopsagent.verify.CommitVerifier;
import dev.gitopsagent.verify.Verdict;

/**
 * Stage 5: is every commit that reaches the build signed by a trusted key? A thin adapter: the
 * decision belongs to the {@code verify} package; this stage turns its verdict into a step.
 */
public final class Verify {

    private static final Logger LOG = Logger.getLogger(Verify.class);

    /** A candidate whose every new commit is trusted, and who signed its head. */
    record Verified(Select.Candidate candidate, SignatureRecord signature) {
    }

    private final LocalMirror mirror;
    private final CommitVerifier verifier;
    private final LiveStatus status;

    public Verify(LocalMirror mirror, CommitVerifier verifier, LiveStatus status) {
        this.mirror = mirror;
        this.verifier = verifier;
        this.status = status;
    }

    Step<Verified> signatures(Descend.Lineage lineage) throws IOException {
        Select.Candidate candidate = lineage.candidate();
        if (lineage instanceof Descend.Lineage.Returns back) {
            return Step.proceed(new Verified(candidate, back.signature()));
        }
        Descend.Lineage.Continues continues = (Descend.Lineage.Continues) lineage;
        String commit = candidate.commit();
        status.phase(Phase.VERIFYING);
        List<RevCommit> path = History.firstParentPath(mirror.repository(), continues.baseline().map(ObjectId::fromString),
                ObjectId.fromString(commit));
        Verdict.Trusted headVerdict = null;
        for (RevCommit onPath : path) {
            Verdict verdict = verifier.verify(mirror.repository(), onPath);
            if (verdict instanceof Verdict.Refused refused) {
                String reason = refused.commit().equals(commit) ? refused.describe()
                        : "commit " + refused.commit() + " on the path from the deployed commit is " + refused.describe();
                return Step.stop(new Halt.Refused(commit, reason, candidate.observedHeads()));
            }
            headVerdict = (Verdict.Trusted) verdict;
        }
        LOG.infof("verified %d commit(s) up to %s (%s); it is signed by %s (%s key %s)", path.size(), commit, candidate.branch(),
                headVerdict.signer(), headVerdict.format(), headVerdict.key());
        return Step.proceed(new Verified(candidate, SignatureRecord.of(headVerdict)));
    }
}
