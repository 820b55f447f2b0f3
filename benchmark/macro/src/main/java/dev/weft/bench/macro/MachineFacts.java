package dev.weft.bench.macro;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** Facts about the machine, the JVM and the agents, recorded with every result. */
final class MachineFacts {

    private MachineFacts() {
    }

    static Map<String, Object> machine(String java) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("cpuModel", procField("/proc/cpuinfo", "model name"));
        String memTotal = procField("/proc/meminfo", "MemTotal");
        m.put("memTotalBytes", memTotal == null ? null : kiloBytes(memTotal));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("loadAverage", loadAverage());
        m.put("java", java);
        m.put("javaVersion", javaVersion(java));
        return m;
    }

    /** The first three numbers of /proc/loadavg, or null. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** File name, size, manifest version and SHA-256 of an agent jar. */
    static Map<String, Object> agent(Path jar) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("path", jar.toAbsolutePath().normalize().toString());
        a.put("file", jar.getFileName().toString());
        try {
            a.put("sizeBytes", Files.size(jar));
            try (JarFile jf = new JarFile(jar.toFile())) {
                Manifest mf = jf.getManifest();
                if (mf != null) {
                    a.put("implementationTitle", mf.getMainAttributes().getValue("Implementation-Title"));
                    a.put("implementationVersion", mf.getMainAttributes().getValue("Implementation-Version"));
                }
            }
            a.put("sha256", sha256(jar));
        } catch (IOException | RuntimeException e) {
            a.put("error", e.toString());
        }
        return a;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code java -version} of the JVM that runs the service, as printed. */
    static String javaVersion(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown: interrupted";
        }
    }

    private static String procField(String file, String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(field)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }

    private static Long kiloBytes(String value) {
        String[] parts = value.split("\\s+");
        try {
            return Long.parseLong(parts[0]) * (parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024 : 1);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
