package dev.weft.bench.macroservice;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** JVM facts for the benchmark driver, read around and after the measured load. */
@RestController
class JvmController {

    @GetMapping("/bench/jvm")
    Map<String, Object> jvm() {
        System.gc();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        facts.put("loadedClassCount", ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        facts.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
        return facts;
    }

    /**
     * Heap bytes allocated by the JVM's threads so far: the driver reads it before and after the
     * measured load. {@code getTotalThreadAllocatedBytes} (JDK 14+) counts threads that have ended
     * too; where it is not supported, the sum over the live threads.
     */
    @GetMapping("/bench/allocated")
    Map<String, Object> allocated() {
        Map<String, Object> facts = new LinkedHashMap<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (threads instanceof com.sun.management.ThreadMXBean hotspot && hotspot.isThreadAllocatedMemoryEnabled()) {
            long total;
            String source;
            try {
                total = hotspot.getTotalThreadAllocatedBytes();
                source = "getTotalThreadAllocatedBytes";
            } catch (UnsupportedOperationException e) {
                total = 0;
                for (long bytes : hotspot.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                    total += Math.max(0, bytes);
                }
                source = "sum over live threads";
            }
            facts.put("allocatedBytes", total);
            facts.put("source", source);
        } else {
            facts.put("allocatedBytes", null);
            facts.put("source", "not supported by this JVM");
        }
        return facts;
    }
}
