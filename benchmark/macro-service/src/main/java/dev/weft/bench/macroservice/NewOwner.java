package dev.weft.bench.macroservice;

/** Body of {@code POST /owners}. */
public record NewOwner(String name, String city) {
}
