package io.github.astreg.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering rules of CONVENTIONS.md, for core. */
class ArchitectureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.astreg.core");

    @Test
    void coreDependsOnNoAdapterModule() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.github.astreg.source..",
                        "io.github.astreg.sink..",
                        "io.github.astreg.testkit..",
                        "io.github.astreg.examples..",
                        "io.github.astreg.benchmarks..")
                .check(CORE);
    }

    @Test
    void coreUsesOnlyTheJdkJacksonAndSlf4j() {
        classes()
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.github.astreg.core..", "java..", "com.fasterxml.jackson..", "org.slf4j..")
                .check(CORE);
    }

    @Test
    void modelDoesNotDependOnTheWiring() {
        noClasses()
                .that()
                .resideInAPackage("io.github.astreg.core.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.github.astreg.core.pipeline..", "io.github.astreg.core.registry..", "com.fasterxml..")
                .check(CORE);
    }

    @Test
    void spiDoesNotDependOnImplementations() {
        noClasses()
                .that()
                .resideInAPackage("io.github.astreg.core.spi..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.github.astreg.core.pipeline..", "io.github.astreg.core.registry..")
                .check(CORE);
    }

    @Test
    void noUtilsManagerOrImplNames() {
        noClasses()
                .should()
                .haveSimpleNameEndingWith("Impl")
                .orShould()
                .haveSimpleNameEndingWith("Utils")
                .orShould()
                .haveSimpleNameEndingWith("Manager")
                .check(CORE);
    }
}
