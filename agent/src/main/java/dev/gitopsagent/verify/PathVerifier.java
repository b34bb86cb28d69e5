package dev.gitopsagent.verify;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * The one entry point of verification: is every commit that would reach the build, from the
 * baseline (the deployed commit, the running system's, or the configured trust root) to the
 * candidate, signed by a key it may be signed with, and dated plausibly?
 *
 * <p>Which commits: with {@link VerifyScope#ALL} every commit reachable from the candidate and not
 * from the baseline, parents before children; with {@link VerifyScope#FIRST_PARENT} the first-parent
 * chain. Which keys: with {@link SignerPolicy#HOST} the host's; with {@link SignerPolicy#REPOSITORY}
 * the policy of each parent that is checked (every parent, or the first), so a key removed in a
 * commit can sign nothing after it, even in the same fetch. With no baseline only the candidate is
 * verified, against the host's keys (the introduction). Dates: no committer date before the
 * baseline's, none (and no signature time) later than the host clock plus the allowed skew.
 */
public final class PathVerifier {

    private static final String HOST_SOURCE = "host configuration";

    private final SignerSet host;
    private final TrustSettings settings;
    private final Clock clock;
    private final CommitVerifier verifier = new CommitVerifier();
    private final RepositoryPolicy policies = new RepositoryPolicy();

    public PathVerifier(SignerSet host, TrustSettings settings, Clock clock) {
        this.host = host;
        this.settings = settings;
        this.clock = clock;
    }

    public synchronized PathVerdict verify(Repository repository, Optional<ObjectId> baseline, ObjectId candidate) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit head = walk.parseCommit(candidate);
            Optional<RevCommit> base = baseline.isPresent() ? Optional.of(walk.parseCommit(baseline.get())) : Optional.empty();
            TimeWindow window = new TimeWindow(base.map(PathVerifier::committed), clock.instant(), settings.maxClockSkew());
            List<RevCommit> path = base.isEmpty() ? List.of(head) : path(walk, head, base.get());
            Verdict.Trusted headVerdict = null;
            for (RevCommit commit : path) {
                Verdict verdict = verifyOne(walk, commit, base.isPresent(), window);
                if (verdict instanceof Verdict.Refused refused) {
                    return new PathVerdict.Refused(head.name(), refused);
                }
                headVerdict = (Verdict.Trusted) verdict;
            }
            return new PathVerdict.Verified(head.name(), path.size(), headVerdict, signersAt(walk, head));
        }
    }

    /** Who may sign the children of {@code commit}, e.g. of the deployed commit at startup. */
    public synchronized SignersInForce signersAt(Repository repository, ObjectId commit) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            return signersAt(walk, walk.parseCommit(commit));
        }
    }

    private List<RevCommit> path(RevWalk walk, RevCommit head, RevCommit base) throws IOException {
        List<RevCommit> path = new ArrayList<>();
        if (settings.scope() == VerifyScope.FIRST_PARENT) {
            walk.setFirstParent(true);
            walk.markStart(head);
            walk.markUninteresting(base);
            walk.forEach(path::add);
            Collections.reverse(path);
        } else {
            walk.sort(RevSort.TOPO);
            walk.sort(RevSort.REVERSE, true);
            walk.markStart(head);
            walk.markUninteresting(base);
            walk.forEach(path::add);
        }
        walk.reset();
        return path;
    }

    private Verdict verifyOne(RevWalk walk, RevCommit commit, boolean hasBaseline, TimeWindow window) throws IOException {
        Instant committed = committed(commit);
        if (window.isBeforeEarliest(committed, Duration.ZERO)) {
            return refused(commit, Reason.BACKDATED, "committer date " + committed + " is before the deployed commit's "
                    + window.earliest().get());
        }
        if (window.isAfterLatest(committed)) {
            return refused(commit, Reason.COMMIT_FROM_FUTURE, "committer date " + committed + " is later than the host clock allows ("
                    + window.latest() + ", gitops.trust.max-clock-skew " + settings.maxClockSkew() + ")");
        }
        if (settings.policy() == SignerPolicy.HOST || !hasBaseline) {
            Verdict verdict = verifier.verify(commit, host, window);
            return verdict instanceof Verdict.Trusted && settings.policy() == SignerPolicy.REPOSITORY ? ownPolicy(walk, commit, verdict)
                    : verdict;
        }
        int parents = settings.scope() == VerifyScope.FIRST_PARENT ? Math.min(1, commit.getParentCount()) : commit.getParentCount();
        if (parents == 0) {
            return refused(commit, Reason.NOT_AUTHORIZED, "a commit without parents: no parent's signer policy can authorize it");
        }
        Verdict verdict = null;
        List<SignerSet> checked = new ArrayList<>();
        for (int i = 0; i < parents; i++) {
            RevCommit parent = walk.parseCommit(commit.getParent(i));
            PolicyLookup policy = policies.at(walk.getObjectReader(), parent);
            if (policy instanceof PolicyLookup.Broken broken) {
                return refused(commit, broken.reason(), "its parent's policy cannot be used: " + broken.detail());
            }
            SignerSet signers = ((PolicyLookup.Found) policy).signers();
            if (checked.stream().anyMatch(done -> done.openPgp() == signers.openPgp() && done.ssh() == signers.ssh())) {
                continue;
            }
            checked.add(signers);
            verdict = verifier.verify(commit, signers, window);
            if (verdict instanceof Verdict.Refused refused) {
                return notAuthorized(refused);
            }
        }
        return ownPolicy(walk, commit, verdict);
    }

    /** A commit whose own policy is broken would lock out every child: refuse it now, naming the file and line. */
    private Verdict ownPolicy(RevWalk walk, RevCommit commit, Verdict trusted) throws IOException {
        if (policies.at(walk.getObjectReader(), commit) instanceof PolicyLookup.Broken broken) {
            return new Verdict.Refused(commit.name(), broken.reason(), ((Verdict.Trusted) trusted).signer(), broken.detail());
        }
        return trusted;
    }

    /** Under a repository policy, "unknown key" means "not authorized by the parent's policy". */
    private static Verdict notAuthorized(Verdict.Refused refused) {
        if (refused.reason() == Reason.UNKNOWN_KEY || refused.reason() == Reason.UNSUPPORTED_FORMAT) {
            return new Verdict.Refused(refused.commit(), Reason.NOT_AUTHORIZED, refused.signer(), refused.detail());
        }
        return refused;
    }

    private SignersInForce signersAt(RevWalk walk, RevCommit commit) throws IOException {
        if (settings.policy() == SignerPolicy.HOST) {
            return new SignersInForce(HOST_SOURCE, host.describe(), Optional.empty());
        }
        String source = "repository policy (" + RepositoryPolicy.DIRECTORY + "/)";
        if (!(policies.at(walk.getObjectReader(), commit) instanceof PolicyLookup.Found found)) {
            return new SignersInForce(source, List.of(), Optional.empty());
        }
        return new SignersInForce(source, found.signers().describe(), lastChange(walk, commit));
    }

    /** The newest commit on the first-parent chain that changed the policy directory (like {@code git log -1 --first-parent -- trust}). */
    private static Optional<String> lastChange(RevWalk used, RevCommit commit) throws IOException {
        try (RevWalk walk = new RevWalk(used.getObjectReader())) {
            walk.setFirstParent(true);
            walk.setTreeFilter(AndTreeFilter.create(PathFilterGroup.createFromStrings(RepositoryPolicy.DIRECTORY), TreeFilter.ANY_DIFF));
            walk.markStart(walk.parseCommit(commit));
            return Optional.ofNullable(walk.next()).map(RevCommit::name);
        }
    }

    private static Instant committed(RevCommit commit) {
        return commit.getCommitterIdent().getWhenAsInstant();
    }

    private static Verdict.Refused refused(RevCommit commit, Reason reason, String detail) {
        return new Verdict.Refused(commit.name(), reason, null, detail);
    }
}
