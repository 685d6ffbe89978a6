import * as events from 'aws-cdk-lib/aws-events';

/**
 * The delay type with which SES delays BYOIP mail when it cannot look up the
 * host name (PTR record) of the sending address. Only BYOIP addresses get it.
 */
export const BYOIP_HOSTNAME_DELAY_TYPE = 'BYOIPHostNameLookupUnavailable';

/**
 * The tag that SES adds to every message sent with a configuration set: in
 * an event record, `mail.tags['ses:configuration-set']` is a list holding the
 * set's name.
 */
export const CONFIGURATION_SET_TAG = 'ses:configuration-set';

/**
 * The EventBridge pattern of SES's delivery delays for want of a host name,
 * for mail sent with the configuration set `configurationSetName` only.
 *
 * SES publishes its sending events to the default bus with source `aws.ses`,
 * the detail-type `Email Delivery Delayed` and the event record as the detail.
 * A pattern's list matches a field if any of its values matches; on a list
 * field (`mail.tags[...]`), if any element of the event's list does.
 */
export function reverseDnsDelayPattern(configurationSetName: string): events.EventPattern {
  return {
    source: ['aws.ses'],
    detailType: ['Email Delivery Delayed'],
    detail: {
      eventType: ['DeliveryDelay'],
      deliveryDelay: { delayType: [BYOIP_HOSTNAME_DELAY_TYPE] },
      mail: { tags: { [CONFIGURATION_SET_TAG]: [configurationSetName] } },
    },
  };
}
