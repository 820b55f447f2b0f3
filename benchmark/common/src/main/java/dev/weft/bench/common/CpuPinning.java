package dev.weft.bench.common;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the measured service and the load generator off each other's CPU: the service JVM is
 * started behind {@code taskset -c <service cpus>} (taskset execs it, so its pid is the JVM's),
 * and the driver process (its load threads, and what it starts later, such as the Kafka broker)
 * is moved to the driver CPUs with {@code taskset -a -p -c}. Without taskset, or with fewer CPUs
 * than named, nothing is pinned and {@link #note()} says so.
 */
public final class CpuPinning {

    private final String serviceCpus;
    private final String driverCpus;
    private final boolean active;
    private final String note;

    private CpuPinning(String serviceCpus, String driverCpus, boolean active, String note) {
        this.serviceCpus = serviceCpus;
        this.driverCpus = driverCpus;
        this.active = active;
        this.note = note;
    }

    /** Pinning off on request ({@code --no-pin}). */
    public static CpuPinning off(String why) {
        return new CpuPinning(null, null, false, "CPU pinning off (" + why + "): service and load generator share the CPUs");
    }

    /**
     * Pins the service to {@code serviceCpus} and the driver to {@code driverCpus} (taskset CPU
     * lists such as {@code 0} or {@code 2-3}) if taskset exists and the CPUs do.
     */
    public static CpuPinning detect(String serviceCpus, String driverCpus) {
        String taskset = onPath("taskset");
        if (taskset == null) {
            return off("taskset not found; install util-linux to pin");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        int highest = Math.max(highestCpu(serviceCpus), highestCpu(driverCpus));
        if (highest < 0 || highest >= cpus) {
            return off("this process may use " + cpus + " CPU(s), the service wants " + serviceCpus
                    + " and the driver " + driverCpus);
        }
        return new CpuPinning(serviceCpus, driverCpus, true,
                "service pinned to CPU " + serviceCpus + ", driver and load generator to CPU " + driverCpus + " (taskset)");
    }

    public boolean active() {
        return active;
    }

    /** One line saying what is pinned where, or why nothing is. */
    public String note() {
        return note;
    }

    /** The prefix for the service's command line ({@code taskset -c 0}); empty when off. */
    public List<String> servicePrefix() {
        return active ? List.of("taskset", "-c", serviceCpus) : List.of();
    }

    /** {@code prefix + command}. */
    public List<String> serviceCommand(List<String> command) {
        List<String> all = new ArrayList<>(servicePrefix());
        all.addAll(command);
        return all;
    }

    /**
     * Moves every thread of this process to the driver CPUs (threads and processes started later
     * inherit it). Prints a note and carries on unpinned if taskset fails.
     */
    public void pinDriver(PrintStream progress) {
        if (!active) {
            progress.println(note);
            return;
        }
        long pid = ProcessHandle.current().pid();
        try {
            Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", driverCpus, Long.toString(pid))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                progress.println("note: could not pin the driver to CPU " + driverCpus + ": " + out);
                return;
            }
        } catch (IOException e) {
            progress.println("note: could not pin the driver to CPU " + driverCpus + ": " + e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        progress.println(note);
    }

    private static int highestCpu(String list) {
        int highest = -1;
        try {
            for (String part : list.split(",")) {
                for (String n : part.split("-")) {
                    highest = Math.max(highest, Integer.parseInt(n.trim()));
                }
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        return highest;
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
