/**
 * Sample contacts the preview personalises with. Their attributes are the names the sample
 * flows and most commerce feeds use; one persona is nearly empty so `default` filters show,
 * and two carry names outside GSM-7 so the SMS fallback's encoding can be seen to change.
 */
export interface SampleContact {
  id: string;
  name: string;
  description: string;
  phone: string;
  attributes: Record<string, string>;
}

export const sampleContacts: readonly SampleContact[] = [
  {
    id: 'maya',
    name: 'Maya Chen',
    description: 'Gold member, left a jacket in her cart',
    phone: '+14155550142',
    attributes: {
      first_name: 'Maya',
      last_name: 'Chen',
      city: 'San Francisco',
      cart_item: 'Alpine rain jacket',
      cart_url: 'https://shop.example/c/maya42',
      cart_total: '$189.00',
      loyalty_tier: 'Gold',
    },
  },
  {
    id: 'alvaro',
    name: 'Álvaro Núñez',
    description: 'Accented name: the SMS switches to UCS-2',
    phone: '+15125550178',
    attributes: {
      first_name: 'Álvaro',
      last_name: 'Núñez',
      city: 'Austin',
      cart_item: 'Trail running shoes',
      cart_url: 'https://shop.example/c/alvaro7',
      cart_total: '$129.00',
      loyalty_tier: 'Silver',
    },
  },
  {
    id: 'priya',
    name: 'Priya Raman',
    description: 'Long product name, two items',
    phone: '+12125550111',
    attributes: {
      first_name: 'Priya',
      last_name: 'Raman',
      city: 'Brooklyn',
      cart_item: 'Handmade stoneware pour-over coffee set and two matching mugs',
      cart_url: 'https://shop.example/c/priya-rm-2024',
      cart_total: '$248.50',
      loyalty_tier: 'Bronze',
    },
  },
  {
    id: 'new',
    name: 'New subscriber',
    description: 'Only a phone number: defaults show',
    phone: '+13055550199',
    attributes: {},
  },
];

/** Attribute names contacts carry, for TEMPLATE_UNKNOWN_VARIABLE. */
export function attributeNames(contacts: readonly SampleContact[]): string[] {
  return [...new Set(contacts.flatMap((contact) => Object.keys(contact.attributes)))].sort();
}
