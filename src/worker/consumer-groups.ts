/**
 * Every consumer group a worker runs. A broker whose queues keep events only once they exist
 * (RabbitMQ) declares these when it connects, so an event is never published before its group's
 * queue is there. Add a group here when a worker starts consuming one.
 */
import { ANALYTICS_GROUP } from './analytics-consumer.js';
import { DELIVERY_GROUP } from './delivery-consumer.js';

export const CONSUMER_GROUPS: readonly string[] = [ANALYTICS_GROUP, DELIVERY_GROUP];
