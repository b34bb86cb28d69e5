package dev.gitopsagent.status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The status page's only style sheet, inline so the page needs nothing else, and the
 * Content-Security-Policy that allows exactly this sheet (by its hash) and no script at all: even a
 * value that escaped the escaping could not run.
 */
final class PageStyle {

    static final String CSS = """
            :root{--ok:#1a7f37;--ok-bg:#dafbe1;--ok-line:#4ac26b;--bad:#cf222e;--bad-bg:#ffebe9;--bad-line:#ff8182;\
            --warn:#9a6700;--warn-bg:#fff8c5;--warn-line:#d4a72c;--busy:#0969da;--busy-bg:#ddf4ff;--busy-line:#54aeff;\
            --idle:#57606a;--idle-bg:#eaeef2;--idle-line:#afb8c1;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
            *{box-sizing:border-box}
            body{margin:0;background:var(--bg);color:var(--fg);\
            font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
            main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
            header{display:flex;flex-wrap:wrap;align-items:center;gap:10px 16px;margin-bottom:6px}
            h1{font-size:30px;line-height:1.2;margin:0;letter-spacing:-.01em}
            .sub{color:var(--muted);font-size:14px;margin:0 0 20px}
            .sub b{color:var(--fg);font-weight:600}
            .pill{display:inline-block;padding:2px 12px;border-radius:999px;border:1px solid var(--idle-line);\
            background:var(--idle-bg);color:var(--idle);font-weight:600;font-size:14px;white-space:nowrap}
            .small{font-size:12px;padding:0 8px;font-weight:600}
            .tone-ok{--c:var(--ok);--c-bg:var(--ok-bg);--c-line:var(--ok-line)}
            .tone-bad{--c:var(--bad);--c-bg:var(--bad-bg);--c-line:var(--bad-line)}
            .tone-warn{--c:var(--warn);--c-bg:var(--warn-bg);--c-line:var(--warn-line)}
            .tone-busy{--c:var(--busy);--c-bg:var(--busy-bg);--c-line:var(--busy-line)}
            .tone-idle{--c:var(--idle);--c-bg:var(--idle-bg);--c-line:var(--idle-line)}
            .pill[class*=tone-]{color:var(--c);background:var(--c-bg);border-color:var(--c-line)}
            .banner{border:1px solid var(--c-line);border-left:6px solid var(--c);background:var(--c-bg);border-radius:8px;\
            padding:14px 18px;margin:0 0 20px}
            .banner h2{margin:0 0 4px;font-size:18px;color:var(--c)}
            .banner p{margin:4px 0 0}
            .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:16px;margin-bottom:16px}
            .card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px}
            .card>h2{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:0 0 10px}
            .commit{font-size:22px;font-weight:650;margin:0}
            .subject{margin:2px 0 12px;font-size:15px;overflow-wrap:anywhere}
            .none{color:var(--muted);font-style:italic}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}
            dt{color:var(--muted)}
            dd{margin:0;min-width:0;overflow-wrap:anywhere}
            code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
            a{color:var(--busy);text-decoration:none}
            a:hover{text-decoration:underline}
            .reason{margin:6px 0 0;padding:8px 10px;border-radius:6px;background:var(--c-bg);color:var(--fg);overflow-wrap:anywhere}
            ol.timeline{list-style:none;margin:4px 0 0;padding:0 0 0 6px}
            ol.timeline li{position:relative;padding:0 0 18px 26px;border-left:2px solid var(--line)}
            ol.timeline li:last-child{border-left-color:transparent;padding-bottom:0}
            ol.timeline li::before{content:"";position:absolute;left:-8px;top:3px;width:14px;height:14px;border-radius:50%;\
            background:var(--c);box-shadow:0 0 0 3px #fff}
            .event{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}
            .event .what{font-weight:600}
            .meta{color:var(--muted);font-size:13.5px}
            .signer{color:var(--muted);font-size:13px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:100%}
            footer{color:var(--muted);font-size:13px;margin-top:22px}
            footer a{margin-right:14px}
            """;

    /** The response header: no scripts, no external anything, this style sheet only, not framed. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(CSS)
            + "'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private PageStyle() {
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
