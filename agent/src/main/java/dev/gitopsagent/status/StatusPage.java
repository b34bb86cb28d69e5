package dev.gitopsagent.status;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.eclipse.microprofile.health.HealthCheckResponse;

import dev.gitopsagent.cli.StatusFormatter;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.SignatureRecord;

/**
 * The HTML status page: the same facts as {@code GET /status}, laid out for a person at a glance.
 * Server-rendered, one inline style sheet, no script, reloads itself. Every value goes through
 * {@link Html#escape}.
 */
public final class StatusPage {

    /** What the page needs beyond the status report. */
    public record Extras(List<Deployment> history, List<HealthCheckResponse> agentHealth, Function<String, Optional<String>> subjects,
            Instant now) {
    }

    private static final int TIMELINE_ENTRIES = 15;
    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{40}");
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    /** Enough of a key fingerprint to tell keys apart at a glance; the whole one is in the tooltip. */
    private static final int KEY_SHOWN = 22;

    private final Optional<String> commitUrl;
    private final int refreshSeconds;
    private final boolean healthChecks;

    /**
     * @param commitUrl      a URL with {@code {commit}} where the full id goes, or empty for no links
     * @param healthChecks   whether checks run after an activation ({@code gitops.health.enabled})
     */
    public StatusPage(Optional<String> commitUrl, int refreshSeconds, boolean healthChecks) {
        this.commitUrl = commitUrl;
        this.refreshSeconds = refreshSeconds;
        this.healthChecks = healthChecks;
    }

    /** One tone per kind of news: green fine, red refused or failed, amber paused or erroring, blue busy. */
    private enum Tone {
        OK, BAD, WARN, BUSY, IDLE;

        String css() {
            return "tone-" + name().toLowerCase();
        }
    }

    public String render(StatusReport report, Extras extras) {
        Html html = new Html();
        Headline headline = headline(report);
        html.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .raw("<meta http-equiv=\"refresh\" content=\"" + refreshSeconds + "\">")
                .raw("<link rel=\"icon\" href=\"data:,\">")
                .raw("<title>").text(report.host() + " · " + headline.text() + " · gitops-agent").raw("</title>")
                .raw("<style>").raw(PageStyle.CSS).raw("</style></head><body><main>");
        html.raw("<header><h1>").text(report.host()).raw("</h1>");
        pill(html, headline.tone(), headline.text(), "");
        html.raw("</header><p class=\"sub\">deploys branch <b>").text(report.branch()).raw("</b> of <b>").text(report.repository())
                .raw("</b> with <b>").text(report.action()).raw("</b> · agent ").text(report.agentVersion())
                .raw(" · updated ").text(CLOCK.format(extras.now())).raw(", reloads every ").text(refreshSeconds + " s").raw("</p>");
        banner(html, report, extras);
        html.raw("<div class=\"grid\">");
        deployedCard(html, report, extras);
        headCard(html, report, extras);
        activityCard(html, report, extras.now());
        healthCard(html, report, extras.agentHealth(), extras.now());
        if (report.testingBranch() != null) {
            testingCard(html, report, extras);
        }
        html.raw("</div>");
        timeline(html, report, extras);
        html.raw("<footer><a href=\"/status\">/status (JSON)</a><a href=\"/status/history\">/status/history</a>")
                .raw("<a href=\"/q/metrics\">/q/metrics</a><a href=\"/q/health\">/q/health</a></footer>")
                .raw("</main></body></html>\n");
        return html.toString();
    }

    private record Headline(Tone tone, String text) {
    }

    /** The one word a person reads first: what state is this host in? */
    private static Headline headline(StatusReport report) {
        Evaluation decision = report.lastDecision();
        // Every poll passes through "fetching", even when nothing moved: only what comes after is a deployment.
        if (!"idle".equals(report.phase()) && !"fetching".equals(report.phase())) {
            return new Headline(Tone.BUSY, "deploying: " + report.phase());
        }
        if (decision != null && decision.outcome() == Evaluation.Outcome.REFUSED) {
            return new Headline(Tone.BAD, "head refused");
        }
        if (decision != null && decision.outcome() == Evaluation.Outcome.FAILED) {
            return new Headline(Tone.BAD, "deployment failed");
        }
        if (report.suspended()) {
            return new Headline(Tone.WARN, "suspended");
        }
        if (report.lastPoll() != null && "error".equals(report.lastPoll().result())) {
            return new Headline(Tone.WARN, "cannot reach the remote");
        }
        if (report.deployedCommit() == null) {
            return new Headline(Tone.IDLE, "nothing deployed yet");
        }
        if (report.drift() != null && report.drift().drifted()) {
            return new Headline(Tone.WARN, "running system drifted");
        }
        if (Boolean.TRUE.equals(report.stale())) {
            return new Headline(Tone.WARN, "branch head is stale");
        }
        return new Headline(Tone.OK, "up to date");
    }

    private void banner(Html html, StatusReport report, Extras extras) {
        Evaluation decision = report.lastDecision();
        String keeps = report.deployedCommit() == null ? "Nothing was deployed."
                : "The host keeps running " + StatusFormatter.shortId(report.deployedCommit()) + ".";
        if (decision != null && decision.outcome() != Evaluation.Outcome.DEPLOYED) {
            boolean refused = decision.outcome() == Evaluation.Outcome.REFUSED;
            html.raw("<section class=\"banner " + Tone.BAD.css() + "\"><h2>");
            html.text((refused ? "Refused " : "Failed to deploy ") + StatusFormatter.shortId(decision.commit()));
            extras.subjects().apply(decision.commit()).ifPresent(subject -> html.text(" “" + subject + "”"));
            html.raw("</h2><p>").text(plainReason(decision)).raw("</p><p>").text(keeps
                    + " This commit is not tried again until the branch moves or an operator runs gitops-agent retry.")
                    .raw("</p></section>");
        }
        if (report.drift() != null && report.drift().drifted()) {
            html.raw("<section class=\"banner " + Tone.WARN.css() + "\"><h2>The running system drifted</h2><p>")
                    .text("The host runs " + report.drift().running() + ", not " + report.drift().expected()
                            + ", which the agent activated (seen since " + ago(report.drift().since(), extras.now())
                            + "). Someone activated another system by hand; the next deployment, or self-heal, puts the agent's back.")
                    .raw("</p></section>");
        }
        if (report.suspension() != null) {
            html.raw("<section class=\"banner " + Tone.WARN.css() + "\"><h2>Deployments are suspended</h2><p>")
                    .text(report.suspension().reason()).text(" (since " + ago(report.suspension().since(), extras.now()) + ").")
                    .raw("</p><p>").text(report.suspension().untilHeadMovesFrom() != null
                            ? "They resume by themselves when the branch moves past "
                                    + StatusFormatter.shortId(report.suspension().untilHeadMovesFrom()) + "."
                            : "They resume when an operator runs gitops-agent resume.")
                    .raw("</p></section>");
        }
    }

    /** The reason without the "refused <id>: " or "deployment of <id> failed: " the banner already says. */
    static String plainReason(Evaluation decision) {
        String reason = decision.reason() == null ? "no reason recorded" : decision.reason();
        String commit = decision.commit();
        for (String prefix : List.of("refused " + commit + ": ", "deployment of " + commit + " failed: ")) {
            if (reason.startsWith(prefix)) {
                reason = reason.substring(prefix.length());
            }
        }
        String retry = "; it is not retried until the branch moves or a retry is requested";
        if (reason.endsWith(retry)) {
            reason = reason.substring(0, reason.length() - retry.length());
        }
        return reason.isEmpty() ? reason : Character.toUpperCase(reason.charAt(0)) + reason.substring(1) + ".";
    }

    private void deployedCard(Html html, StatusReport report, Extras extras) {
        html.raw("<section class=\"card\"><h2>Deployed</h2>");
        if (report.deployedCommit() == null) {
            html.raw("<p class=\"none\">Nothing deployed yet.</p></section>");
            return;
        }
        commitHeading(html, report.deployedCommit(), extras);
        html.raw("<dl>");
        row(html, "signed by");
        SignatureRecord signature = report.signature();
        if (signature == null) {
            html.raw("<span class=\"none\">not recorded</span>");
        } else {
            String key = signature.key() == null ? "" : signature.key();
            html.text(signature.signer()).raw("<br><span class=\"meta\">").text(signature.format() + " key ").raw("<code title=\"")
                    .text(key).raw("\">").text(key.length() > KEY_SHOWN ? key.substring(0, KEY_SHOWN) + "…" : key).raw("</code></span>");
        }
        if (report.signers() != null) {
            row(html, "may sign next");
            html.text(report.signers().source());
            report.signers().changedIn().ifPresent(changedIn -> {
                html.raw(" <span class=\"meta\">changed in</span> ");
                commitLink(html, changedIn);
            });
            // One line per key, cut to the card's width: fingerprints are long, the tooltip has all of it.
            for (String signer : report.signers().signers()) {
                html.raw("<div class=\"signer\" title=\"").text(signer).raw("\">").text(signer).raw("</div>");
            }
        }
        row(html, "deployed");
        time(html, report.deployedAt(), extras.now());
        row(html, "running system");
        if (report.runningCommit() == null) {
            html.raw("<span class=\"none\">records no commit</span>");
        } else if (report.runningCommit().equals(report.deployedCommit())) {
            pill(html, Tone.OK, "matches", " small");
        } else {
            pill(html, Tone.WARN, "differs", " small");
            html.raw(" ");
            commitLink(html, report.runningCommit());
        }
        if (report.systemGeneration() != null) {
            row(html, "generation");
            html.text(String.valueOf(report.systemGeneration().number()));
        }
        html.raw("</dd></dl></section>");
    }

    private void headCard(Html html, StatusReport report, Extras extras) {
        html.raw("<section class=\"card\"><h2>Branch head</h2>");
        if (report.remoteHead() == null) {
            html.raw("<p class=\"none\">Not read from the remote yet.</p>");
        } else {
            commitHeading(html, report.remoteHead(), extras);
        }
        html.raw("<dl>");
        Evaluation decision = report.lastDecision();
        row(html, "decision");
        if (decision == null) {
            html.raw("<span class=\"none\">none yet</span>");
        } else {
            Tone tone = switch (decision.outcome()) {
                case DEPLOYED -> Tone.OK;
                case REFUSED, FAILED -> Tone.BAD;
                // A commit waiting for its wave, a halt to end or a window is not a problem.
                case WAITING -> Tone.WARN;
            };
            pill(html, tone, decision.outcome().name().toLowerCase(), " small");
            html.raw(" ");
            commitLink(html, decision.commit());
            html.raw(" <span class=\"meta\">").text(ago(decision.at(), extras.now())).raw("</span>");
            if (decision.outcome() != Evaluation.Outcome.DEPLOYED) {
                html.raw("<div class=\"reason " + tone.css() + "\">").text(plainReason(decision)).raw("</div>");
            }
        }
        if (report.remoteHeadCommittedAt() != null) {
            row(html, "committed");
            time(html, report.remoteHeadCommittedAt(), extras.now());
            if (report.stale() != null) {
                html.raw(" ");
                pill(html, report.stale() ? Tone.WARN : Tone.OK, report.stale() ? "stale" : "fresh", " small");
            }
        }
        if (report.lastPoll() != null) {
            row(html, "last poll");
            html.text(report.lastPoll().result()).raw(" <span class=\"meta\">").text(ago(report.lastPoll().at(), extras.now()));
            if (report.lastPoll().remote() != null) {
                html.text(" from " + report.lastPoll().remote());
            }
            html.raw("</span>");
        }
        row(html, "next poll");
        html.text(until(report.nextPoll(), extras.now()));
        html.raw("</dd></dl></section>");
    }

    private void activityCard(Html html, StatusReport report, Instant now) {
        html.raw("<section class=\"card\"><h2>Now</h2><dl>");
        row(html, "phase");
        pill(html, "idle".equals(report.phase()) ? Tone.IDLE : Tone.BUSY, report.phase(), " small");
        row(html, "deployments");
        if (report.suspended()) {
            pill(html, Tone.WARN, "suspended", " small");
        } else {
            pill(html, Tone.OK, "active", " small");
        }
        row(html, "last problem");
        Evaluation decision = report.lastDecision();
        if (report.lastError() == null) {
            html.raw("<span class=\"none\">none</span>");
        } else if (decision != null && report.lastError().reason().equals(decision.reason())) {
            html.raw("<span class=\"none\">").text(decision.outcome() == Evaluation.Outcome.REFUSED ? "the refusal above" : "the failure above")
                    .raw("</span>");
        } else {
            html.raw("<span class=\"meta\">first ").text(ago(report.lastError().since(), now)).text(", last ")
                    .text(ago(report.lastError().lastSeen(), now)).raw("</span><div class=\"reason " + Tone.WARN.css() + "\">")
                    .text(report.lastError().reason()).raw("</div>");
        }
        RolloutStatus.Report rollout = report.rollout();
        if (rollout != null && rollout.rebootPending() != null && !rollout.rebootPending().isEmpty()) {
            row(html, "reboot");
            html.text(StatusFormatter.reboot(rollout.rebootPending(), text(rollout.nextRebootWindow()),
                    rollout.rebootWindows() != null && !rollout.rebootWindows().isEmpty(), rollout.rebootWaitsFor(),
                    text(rollout.rebootBlockedUntil())));
        }
        html.raw("</dd></dl></section>");
    }

    /** An instant as {@code GET /status} writes it (ISO-8601), so the page reads like the CLI. */
    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private void healthCard(Html html, StatusReport report, List<HealthCheckResponse> agentHealth, Instant now) {
        html.raw("<section class=\"card\"><h2>Health</h2><dl>");
        for (HealthCheckResponse check : agentHealth) {
            row(html, check.getName());
            boolean up = check.getStatus() == HealthCheckResponse.Status.UP;
            pill(html, up ? Tone.OK : Tone.BAD, up ? "up" : "down", " small");
            check.getData().ifPresent(data -> data.values().forEach(value -> html.raw(" <span class=\"meta\">")
                    .text(healthDetail(String.valueOf(value), now)).raw("</span>")));
        }
        row(html, "after activation");
        Deployment last = report.lastDeployment();
        if (!healthChecks) {
            html.raw("<span class=\"none\">checks disabled</span>");
        } else if (last == null) {
            html.raw("<span class=\"none\">no activation yet</span>");
        } else if (last.reason() != null && last.reason().contains("health check failed")) {
            pill(html, Tone.BAD, "failed", " small");
            html.raw("<div class=\"reason " + Tone.BAD.css() + "\">").text(last.reason()).raw("</div>");
        } else if (last.result() == Deployment.Result.SUCCEEDED && ("switch".equals(last.action()) || "test".equals(last.action()))) {
            pill(html, Tone.OK, "passed", " small");
            html.raw(" <span class=\"meta\">").text("after the " + last.action() + " of " + StatusFormatter.shortId(last.commit()))
                    .raw("</span>");
        } else {
            html.raw("<span class=\"none\">").text("not run after " + last.action()).raw("</span>");
        }
        html.raw("</dd></dl></section>");
    }

    /** A health check's detail as a person reads it: "running for 2s" rather than a timestamp. */
    private static String healthDetail(String value, Instant now) {
        try {
            return "running for " + StatusFormatter.duration(Duration.between(Instant.parse(value), now));
        } catch (DateTimeParseException e) {
            return value;
        }
    }

    private void testingCard(Html html, StatusReport report, Extras extras) {
        html.raw("<section class=\"card\"><h2>Testing branch</h2><dl>");
        row(html, "branch");
        html.raw("<code>").text(report.testingBranch()).raw("</code>");
        row(html, "head");
        if (report.testingHead() == null) {
            html.raw("<span class=\"none\">no such branch on the remote</span>");
        } else {
            commitLink(html, report.testingHead());
            extras.subjects().apply(report.testingHead()).ifPresent(subject -> html.raw(" ").text(subject));
        }
        row(html, "active");
        if (report.testingCommit() == null) {
            html.raw("<span class=\"none\">no test active; the host runs the branch</span>");
        } else {
            pill(html, Tone.BUSY, "testing", " small");
            html.raw(" ");
            commitLink(html, report.testingCommit());
        }
        html.raw("</dd></dl></section>");
    }

    private void timeline(Html html, StatusReport report, Extras extras) {
        html.raw("<section class=\"card\"><h2>Recent history</h2>");
        Evaluation decision = report.lastDecision();
        boolean refusal = decision != null && decision.outcome() == Evaluation.Outcome.REFUSED;
        if (extras.history().isEmpty() && !refusal) {
            html.raw("<p class=\"none\">No deployment yet.</p></section>");
            return;
        }
        html.raw("<ol class=\"timeline\">");
        // Refusals never reach the deployment history (nothing was built), but they are news.
        if (refusal) {
            event(html, Tone.BAD, "refused", decision.commit(), extras);
            html.raw("<div class=\"meta\">").text(ago(decision.at(), extras.now()) + " · nothing built").raw("</div>")
                    .raw("<div class=\"reason " + Tone.BAD.css() + "\">").text(plainReason(decision)).raw("</div></li>");
        }
        for (Deployment deployment : extras.history().subList(0, Math.min(TIMELINE_ENTRIES, extras.history().size()))) {
            Tone tone = switch (deployment.result()) {
                case SUCCEEDED -> Tone.OK;
                case FAILED -> Tone.BAD;
                case INTERRUPTED -> Tone.WARN;
            };
            event(html, tone, deployment.result().name().toLowerCase() + " (" + deployment.action() + ")", deployment.commit(), extras);
            html.raw("<div class=\"meta\">").text(ago(deployment.finishedAt(), extras.now()) + " · took "
                    + StatusFormatter.duration(Duration.ofMillis(deployment.durationMillis())));
            if (deployment.signature() != null) {
                html.text(" · signed by " + deployment.signature().signer());
            }
            if (deployment.generation() != null) {
                html.text(" · generation " + deployment.generation());
            }
            html.raw("</div>");
            if (deployment.reason() != null) {
                html.raw("<div class=\"reason " + tone.css() + "\">").text(deployment.reason()).raw("</div>");
            }
            html.raw("</li>");
        }
        html.raw("</ol></section>");
    }

    private void event(Html html, Tone tone, String what, String commit, Extras extras) {
        html.raw("<li class=\"" + tone.css() + "\"><div class=\"event\">").element("span", "what", what).raw(" ");
        commitLink(html, commit);
        extras.subjects().apply(commit).ifPresent(subject -> html.element("span", "subject-inline", subject));
        html.raw("</div>");
    }

    private void commitHeading(Html html, String commit, Extras extras) {
        html.raw("<p class=\"commit\">");
        commitLink(html, commit);
        html.raw("</p><p class=\"subject\">");
        Optional<String> subject = extras.subjects().apply(commit);
        if (subject.isPresent()) {
            html.text(subject.get());
        } else {
            html.raw("<span class=\"none\">subject not available</span>");
        }
        html.raw("</p>");
    }

    /** The short id, linked to the forge when a commit URL is configured; the full id in the tooltip. */
    private void commitLink(Html html, String commit) {
        String shortId = StatusFormatter.shortId(commit == null ? "" : commit);
        if (commitUrl.isPresent() && commit != null && COMMIT_ID.matcher(commit).matches()) {
            html.raw("<a href=\"").text(commitUrl.get().replace("{commit}", commit)).raw("\" title=\"").text(commit).raw("\"><code>")
                    .text(shortId).raw("</code></a>");
        } else {
            html.raw("<code title=\"").text(commit).raw("\">").text(shortId).raw("</code>");
        }
    }

    /** Starts a {@code <dt>…</dt><dd>} pair, closing the previous {@code <dd>} if any. */
    private static void row(Html html, String label) {
        html.raw(html.endsWith("<dl>") ? "" : "</dd>").raw("<dt>").text(label).raw("</dt><dd>");
    }

    private static void pill(Html html, Tone tone, String text, String extraCss) {
        html.raw("<span class=\"pill " + tone.css() + extraCss + "\">").text(text).raw("</span>");
    }

    private static void time(Html html, Instant at, Instant now) {
        if (at == null) {
            html.raw("<span class=\"none\">unknown</span>");
            return;
        }
        html.raw("<time datetime=\"").text(at.toString()).raw("\" title=\"").text(UTC.format(at)).raw("\">").text(ago(at, now))
                .raw("</time>");
    }

    private static String ago(Instant at, Instant now) {
        if (at == null) {
            return "unknown";
        }
        Duration age = Duration.between(at.truncatedTo(ChronoUnit.SECONDS), now.truncatedTo(ChronoUnit.SECONDS));
        return age.isNegative() || age.isZero() ? "just now" : StatusFormatter.duration(age) + " ago";
    }

    private static String until(Instant at, Instant now) {
        if (at == null) {
            return "not scheduled";
        }
        Duration left = Duration.between(now, at).truncatedTo(ChronoUnit.SECONDS);
        return left.isNegative() || left.isZero() ? "due now" : "in " + StatusFormatter.duration(left);
    }
}
