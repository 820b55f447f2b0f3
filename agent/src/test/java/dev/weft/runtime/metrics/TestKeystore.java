package dev.weft.runtime.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A PKCS12 keystore made at run time by the JDK's keytool (no key material is committed): one EC
 * key with a self-signed certificate for 127.0.0.1 and localhost, and that certificate in PEM.
 */
final class TestKeystore {

  static final String PASSWORD = "keystore-secret-1";

  final Path keystore;
  final Path certificatePem;

  private TestKeystore(Path keystore, Path certificatePem) {
    this.keystore = keystore;
    this.certificatePem = certificatePem;
  }

  static TestKeystore create(Path dir) throws Exception {
    Path keystore = dir.resolve("weft-metrics.p12");
    Path pem = dir.resolve("weft-metrics.pem");
    keytool(
        "-genkeypair", "-alias", "weft-metrics", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool(
        "-exportcert", "-rfc", "-alias", "weft-metrics", "-keystore", keystore.toString(),
        "-storepass", PASSWORD, "-file", pem.toString());
    return new TestKeystore(keystore, pem);
  }

  /** A client context that trusts this certificate only. */
  SSLContext trustingClient() throws Exception {
    Certificate cert;
    try (InputStream in = Files.newInputStream(certificatePem)) {
      cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("weft-metrics", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          "keytool failed: " + command + "\n" + new String(output, StandardCharsets.UTF_8));
    }
  }
}
