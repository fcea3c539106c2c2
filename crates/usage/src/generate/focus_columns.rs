//! The columns of a generated FOCUS 1.0 file: every column FOCUS 1.0 makes mandatory, with
//! valid values, in the specification's (alphabetical) order, then candor's own `x_` columns.
//! The CSV and the Parquet writer both take their columns from this one table, so the two
//! encodings cannot drift apart.
//!
//! The generated bills have no commitments, resources, corrections or negotiated prices, so the
//! commitment-discount, resource and charge-class columns are null, and list, contracted,
//! effective and billed cost are the same amount.

use super::{NOTE, PAYER};

/// Where a column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// The same text on every row.
    Const(&'static str),
    /// Null on every row.
    Null,
    /// The (fictional) account id.
    Account,
    /// The service's name.
    Service,
    /// The service's FOCUS category.
    ServiceCategory,
    /// The SKU: the usage type.
    Sku,
    /// The SKU's price in a region: usage type and region.
    SkuPriceId,
    /// What was charged, in words.
    Description,
    /// The operation, null where the item has none.
    Operation,
    /// The region's id.
    RegionId,
    /// The region's name.
    RegionName,
    /// Consumed (and priced) quantity.
    Quantity,
    /// Its unit.
    Unit,
    /// The cost of the line.
    Cost,
    /// The price of one unit.
    UnitPrice,
    /// Start of the charge period (the hour).
    ChargeStart,
    /// Exclusive end of the charge period.
    ChargeEnd,
    /// Start of the billing period (the month).
    BillingStart,
    /// Exclusive end of the billing period.
    BillingEnd,
}

use Source::*;

/// The generated FOCUS 1.0 columns, in order.
pub(super) const FOCUS_COLUMNS: &[(&str, Source)] = &[
    ("BilledCost", Cost),
    ("BillingAccountId", Const(PAYER)),
    ("BillingAccountName", Const("Demonstration payer (fictional)")),
    ("BillingCurrency", Const("USD")),
    ("BillingPeriodEnd", BillingEnd),
    ("BillingPeriodStart", BillingStart),
    ("ChargeCategory", Const("Usage")),
    ("ChargeClass", Null),
    ("ChargeDescription", Description),
    ("ChargeFrequency", Const("Usage-Based")),
    ("ChargePeriodEnd", ChargeEnd),
    ("ChargePeriodStart", ChargeStart),
    ("CommitmentDiscountCategory", Null),
    ("CommitmentDiscountId", Null),
    ("CommitmentDiscountName", Null),
    ("CommitmentDiscountStatus", Null),
    ("CommitmentDiscountType", Null),
    ("ConsumedQuantity", Quantity),
    ("ConsumedUnit", Unit),
    ("ContractedCost", Cost),
    ("ContractedUnitPrice", UnitPrice),
    ("EffectiveCost", Cost),
    ("InvoiceIssuerName", Const("AWS")),
    ("ListCost", Cost),
    ("ListUnitPrice", UnitPrice),
    ("PricingCategory", Const("Standard")),
    ("PricingQuantity", Quantity),
    ("PricingUnit", Unit),
    ("ProviderName", Const("AWS")),
    ("PublisherName", Const("AWS")),
    ("RegionId", RegionId),
    ("RegionName", RegionName),
    ("ResourceId", Null),
    ("ResourceName", Null),
    ("ResourceType", Null),
    ("ServiceCategory", ServiceCategory),
    ("ServiceName", Service),
    ("SkuId", Sku),
    ("SkuPriceId", SkuPriceId),
    ("SubAccountId", Account),
    ("SubAccountName", Account),
    ("Tags", Const(r#"{"x_candor_note":"demonstration data"}"#)),
    ("x_UsageType", Sku),
    ("x_Operation", Operation),
    ("x_CandorNote", Const(NOTE)),
];

/// The name of a region the generator bills in.
pub(super) fn region_name(gov: bool) -> &'static str {
    if gov { "AWS GovCloud (US-West)" } else { "US East (N. Virginia)" }
}
