package dev.weft.bench.macroservice;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** JVM facts for the benchmark driver, read after the measured load. */
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
}
