package dev.weft.bench.macroservice;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** An owner row. The table and its sequence are created at start-up and dropped at shutdown. */
@Entity
@Table(name = "weft_bench_owner", indexes = @Index(name = "weft_bench_owner_city_idx", columnList = "city"))
public class Owner {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "weft_bench_owner_seq")
    @SequenceGenerator(name = "weft_bench_owner_seq", sequenceName = "weft_bench_owner_seq", allocationSize = 50)
    private Long id;

    @Column(nullable = false, length = 100)
    private String name;

    @Column(nullable = false, length = 60)
    private String city;

    protected Owner() {
        // for JPA
    }

    public Owner(String name, String city) {
        this.name = name;
        this.city = city;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getCity() {
        return city;
    }
}
