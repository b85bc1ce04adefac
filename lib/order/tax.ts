/**
 * Complex taxation (복합과세, tax_flag=TG03): the order amount split into taxable supply value
 * (comm_tax_mny), VAT (comm_vat_mny) and tax-free amount (comm_free_mny), which must add up to good_mny.
 *
 * The manual's formulas: tax = good_mny / 1.1, vat = good_mny − tax, free = good_mny − tax − vat. They
 * describe an order with no tax-free part; with one, the same rule applies to the taxable share
 * (good_mny − free). Rounding is half-up to whole won, computed in integers so 1.1 never bites.
 */
import { KcpInputError } from '../errors.js';

export interface ComplexTaxAmounts {
  /** comm_tax_mny: taxable supply value. */
  readonly commTaxMny: number;
  /** comm_vat_mny: VAT, 10 % of the supply value (whatever rounding leaves). */
  readonly commVatMny: number;
  /** comm_free_mny: tax-free amount. */
  readonly commFreeMny: number;
}

/** Splits `goodMny` for TG03. `freeMny` is the tax-free part of the order (default 0). */
export function complexTaxAmounts(goodMny: number, freeMny = 0): ComplexTaxAmounts {
  if (!Number.isSafeInteger(goodMny) || goodMny <= 0) {
    throw new KcpInputError(`good_mny must be a positive whole amount to split for tax_flag=TG03; got ${goodMny}.`, {
      field: 'good_mny',
    });
  }
  if (!Number.isSafeInteger(freeMny) || freeMny < 0 || freeMny > goodMny) {
    throw new KcpInputError(
      `comm_free_mny must be a whole amount from 0 to good_mny (${goodMny}); got ${freeMny}. Pass the tax-free part of the order.`,
      { field: 'comm_free_mny' },
    );
  }
  const taxable = goodMny - freeMny;
  // round(taxable / 1.1) == round(10 * taxable / 11), half-up: floor((20 * taxable + 11) / 22)
  const commTaxMny = Math.floor((20 * taxable + 11) / 22);
  return Object.freeze({ commTaxMny, commVatMny: taxable - commTaxMny, commFreeMny: freeMny });
}
