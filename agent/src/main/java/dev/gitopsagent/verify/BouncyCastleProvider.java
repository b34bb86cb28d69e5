package dev.gitopsagent.verify;

/** One shared BouncyCastle provider instance; it is not registered globally, so nothing else sees it. */
final class BouncyCastleProvider {
    static final org.bouncycastle.jce.provider.BouncyCastleProvider INSTANCE = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private BouncyCastleProvider() {
    }
}
