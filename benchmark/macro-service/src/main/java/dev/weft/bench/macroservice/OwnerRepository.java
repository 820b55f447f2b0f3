package dev.weft.bench.macroservice;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface OwnerRepository extends JpaRepository<Owner, Long> {

    /** At most 50 owners of one city, oldest first (the seeded rows, then created ones). */
    List<Owner> findTop50ByCityOrderByIdAsc(String city);
}
