package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A self-signed TLS certificate for {@code 127.0.0.1}, made by the real {@code keytool}: a PKCS#12 key store
 * for the server, and a trust store holding only the certificate, which a client (the agent) is pointed at
 * with {@link #trustStoreProperties()}.
 */
public record TlsCertificate(Path keyStore, Path trustStore) {

    private static final String PASSWORD = "test-store-password";

    public static TlsCertificate generate(Path dir) {
        Path keyStore = dir.resolve("server.p12");
        Path certificate = dir.resolve("server.crt");
        Path trustStore = dir.resolve("trust.p12");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        CommandLine.of(keytool, "-genkeypair", "-alias", "git", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", PASSWORD).runChecked();
        CommandLine.of(keytool, "-exportcert", "-rfc", "-alias", "git", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString()).runChecked();
        CommandLine.of(keytool, "-importcert", "-noprompt", "-alias", "git", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", PASSWORD).runChecked();
        return new TlsCertificate(keyStore, trustStore);
    }

    /** The certificate alone, PEM: what a client that trusts a CA file (curl, so Nix) is given. */
    public Path certificate() {
        return keyStore.resolveSibling("server.crt");
    }

    /** System properties that make a JVM or native agent trust this certificate (and nothing else). */
    public Map<String, String> trustStoreProperties() {
        return Map.of("javax.net.ssl.trustStore", trustStore.toString(), "javax.net.ssl.trustStorePassword", PASSWORD,
                "javax.net.ssl.trustStoreType", "PKCS12");
    }

    /** An HTTP server bound to {@code address}, speaking HTTPS with {@code tls} when there is one; not started. */
    static HttpServer server(InetSocketAddress address, int backlog, Optional<TlsCertificate> tls) throws IOException {
        if (tls.isEmpty()) {
            return HttpServer.create(address, backlog);
        }
        HttpsServer https = HttpsServer.create(address, backlog);
        https.setHttpsConfigurator(new HttpsConfigurator(tls.get().serverContext()));
        return https;
    }

    SSLContext serverContext() {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unusable key store " + keyStore, e);
        }
    }

    /** Makes HTTPS connections of this JVM (JGit's and java.net.http clients built after this) trust this certificate only. */
    public void trustInThisJvm() {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
            SSLContext.setDefault(context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unusable trust store " + trustStore, e);
        }
    }
}
