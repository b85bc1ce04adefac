/** common_return: parse, source-IP check, cross-check, de-duplication and the result=0000 answer. */
export { parseNotification, typeNotification } from './parse.js';
export type * from './parse.js';
export { charsetFromContentType, decodeNotificationBody } from './body.js';
export type { DecodedBody, NotificationCharset } from './body.js';
export { KCP_NOTIFY_IPS, checkNotificationSource, isLoopback } from './ips.js';
export type { SourceCheckOptions } from './ips.js';
export { NOTIFICATION_OK, NOTIFICATION_RETRY, notificationAnswer } from './answer.js';
export { crossCheck } from './cross-check.js';
export type { NotificationMismatch, OrderRecord } from './cross-check.js';
export { MemoryNotificationStore, PaymentStoreNotifications } from './store.js';
export type { NotificationStore } from './store.js';
export { NotificationInbox } from './inbox.js';
export type { InboxOutcome, InboxStatus, NotificationHandler, NotificationInboxOptions } from './inbox.js';
export { commonReturnHandler, expressCommonReturn } from './http.js';
export type { CommonReturnHandlerOptions, ExpressLikeHandler, ExpressLikeRequest, NodeRequestHandler } from './http.js';
