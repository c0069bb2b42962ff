"""tornado 6.2 echo server, its own log format at DEBUG. A text "boom"
makes on_message raise."""
import sys
import tornado.ioloop, tornado.log, tornado.web, tornado.websocket
import logging

tornado.log.enable_pretty_logging()
logging.getLogger().setLevel(logging.DEBUG)

class Echo(tornado.websocket.WebSocketHandler):
    def get_compression_options(self):
        return {}
    def on_message(self, msg):
        if msg == "boom":
            raise ValueError("boom")
        self.write_message(msg)

app = tornado.web.Application([("/", Echo)])
app.listen(int(sys.argv[1]), "127.0.0.1")
loop = tornado.ioloop.IOLoop.current()
loop.call_later(float(sys.argv[2]), loop.stop)
loop.start()
