package dev.weft.bench.macroservice;

/** What the endpoints return and what the cache holds. */
public record OwnerDto(long id, String name, String city) {

    static OwnerDto of(Owner owner) {
        return new OwnerDto(owner.getId(), owner.getName(), owner.getCity());
    }
}
